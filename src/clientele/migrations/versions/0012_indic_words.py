"""Titles and English words written in an Indian script read as such; legacy aliases searched.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

Revision 0009 romanized names in Indian scripts letter by letter, so "डॉ. अमित अग्रवाल" was
"do amit agraval" (not Dr.) and "सिटी केयर लैब" was "siti keyar laib", which no Latin query for
City Care Lab finds. The fold now reads the words of `clientele.names.vocabulary.INDIC_WORDS`
(titles, and the English words of business names as Hindi writes them) before the letters.
The spelling rules also fold "ks" to "x" (Saksena/Saxena: x is written ks in every Indian
script), which changes the key of Latin names holding "ks" too: both sides fold alike.

Legacy aliases (every other spelling the old application held for a customer, in
`metadata.legacy.aliases`) become searchable: `clientele_search_aliases(name, metadata)` gives
their folded forms other than the name's; triggers remember them in `search_names`; the
refresh keeps them; a partial GIN expression index `ix_customers_search_aliases` (built
CONCURRENTLY; only rows with legacy metadata) finds the customers holding one.

FOLD_SQL below is a literal copy of what `clientele.names.sql.fold_sql()` made when this
revision was written (tests/names checks that it still is).

Upgrade: replace the fold functions; add the alias function, triggers and refresh; rebuild
`ix_customers_search_name` CONCURRENTLY (an autocommit block: writes go on; during the rebuild
the index still holds the old fold, so a Devanagari name is found as before until it
finishes); refold the search tables; build the alias index CONCURRENTLY and remember the
aliases. Downgrade: drop the alias index, triggers and functions, restore 0003's refresh, and
the fold of revision 0009.
"""

# ruff: noqa: RUF001 - the fold holds letters of Indian scripts

import importlib.util
from pathlib import Path

from alembic import op

revision = "0012"
down_revision = "0013"
branch_labels = None
depends_on = None

FOLD_SQL = r"""
-- Letters of Indian scripts in Latin (clientele.names.indic.romanize, same table).
CREATE OR REPLACE FUNCTION clientele_name_romanize(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN t !~ '[\u0900-\u0d7f]' THEN t ELSE (
        SELECT replace(regexp_replace(
                   string_agg(coalesce('{"ऀ": "n", "ँ": "n", "ं": "n", "ः": "h", "ऄ": "a", "अ": "a", "आ": "a", "इ": "i", "ई": "i", "उ": "u", "ऊ": "u", "ऋ": "rri", "ऌ": "lli", "ऍ": "e", "ऎ": "e", "ए": "e", "ऐ": "ai", "ऑ": "o", "ऒ": "o", "ओ": "o", "औ": "au", "क": "k", "ख": "kh", "ग": "g", "घ": "gh", "ङ": "n", "च": "ch", "छ": "ch", "ज": "j", "झ": "jh", "ञ": "n", "ट": "t", "ठ": "th", "ड": "d", "ढ": "dh", "ण": "n", "त": "t", "थ": "th", "द": "d", "ध": "dh", "न": "n", "प": "p", "फ": "ph", "ब": "b", "भ": "bh", "म": "m", "य": "y", "र": "r", "ल": "l", "ळ": "l", "व": "v", "श": "sh", "ष": "sh", "स": "s", "ह": "h", "ऺ": "a", "ऻ": "a", "ऽ": "", "ा": "a", "ि": "i", "ी": "i", "ु": "u", "ू": "u", "ृ": "rri", "ॄ": "rri", "ॅ": "e", "ॆ": "e", "े": "e", "ै": "ai", "ॉ": "o", "ॊ": "o", "ो": "o", "ौ": "au", "्": "", "ॎ": "a", "ॏ": "a", "ॕ": "a", "ॖ": "a", "ॗ": "a", "ॠ": "rri", "ॡ": "lli", "ॢ": "lli", "ॣ": "lli", "०": "0", "१": "1", "२": "2", "३": "3", "४": "4", "५": "5", "६": "6", "७": "7", "८": "8", "९": "9", "ॲ": "a", "ॳ": "oe", "ॴ": "ooe", "ॵ": "aw", "ॶ": "ue", "ॷ": "uue", "ॸ": "dd", "ॹ": "zh", "ॺ": "y", "ॻ": "gg", "ॼ": "jj", "ॽ": "", "ॾ": "ddd", "ॿ": "bb", "ঁ": "n", "ং": "n", "ঃ": "h", "অ": "a", "আ": "a", "ই": "i", "ঈ": "i", "উ": "u", "ঊ": "u", "ঋ": "rri", "ঌ": "lli", "এ": "e", "ঐ": "ai", "ও": "o", "ঔ": "au", "ক": "k", "খ": "kh", "গ": "g", "ঘ": "gh", "ঙ": "n", "চ": "ch", "ছ": "ch", "জ": "j", "ঝ": "jh", "ঞ": "n", "ট": "t", "ঠ": "th", "ড": "d", "ঢ": "dh", "ণ": "n", "ত": "t", "থ": "th", "দ": "d", "ধ": "dh", "ন": "n", "প": "p", "ফ": "ph", "ব": "v", "ভ": "bh", "ম": "m", "য": "y", "র": "r", "ল": "l", "শ": "sh", "ষ": "sh", "স": "s", "হ": "h", "ঽ": "", "া": "a", "ি": "i", "ী": "i", "ু": "u", "ূ": "u", "ৃ": "rri", "ৄ": "rri", "ে": "e", "ৈ": "ai", "্": "", "ৎ": "t", "ৠ": "rri", "ৡ": "lli", "ৢ": "lli", "ৣ": "lli", "০": "0", "১": "1", "২": "2", "৩": "3", "৪": "4", "৫": "5", "৬": "6", "৭": "7", "৮": "8", "৯": "9", "ৰ": "r", "ৱ": "", "ৼ": "", "ਁ": "n", "ਂ": "n", "ਃ": "h", "ਅ": "a", "ਆ": "a", "ਇ": "i", "ਈ": "i", "ਉ": "u", "ਊ": "u", "ਏ": "e", "ਐ": "ai", "ਓ": "o", "ਔ": "au", "ਕ": "k", "ਖ": "kh", "ਗ": "g", "ਘ": "gh", "ਙ": "n", "ਚ": "ch", "ਛ": "ch", "ਜ": "j", "ਝ": "jh", "ਞ": "n", "ਟ": "t", "ਠ": "th", "ਡ": "d", "ਢ": "dh", "ਣ": "n", "ਤ": "t", "ਥ": "th", "ਦ": "d", "ਧ": "dh", "ਨ": "n", "ਪ": "p", "ਫ": "ph", "ਬ": "b", "ਭ": "bh", "ਮ": "m", "ਯ": "y", "ਰ": "r", "ਲ": "l", "ਵ": "v", "ਸ": "s", "ਹ": "h", "ਾ": "a", "ਿ": "i", "ੀ": "i", "ੁ": "u", "ੂ": "u", "ੇ": "e", "ੈ": "ai", "ੋ": "o", "ੌ": "au", "੍": "", "ੜ": "d", "੦": "0", "੧": "1", "੨": "2", "੩": "3", "੪": "4", "੫": "5", "੬": "6", "੭": "7", "੮": "8", "੯": "9", "ੰ": "n", "ੱ": "", "ઁ": "n", "ં": "n", "ઃ": "h", "અ": "a", "આ": "a", "ઇ": "i", "ઈ": "i", "ઉ": "u", "ઊ": "u", "ઋ": "rri", "ઌ": "lli", "એ": "e", "ઐ": "ai", "ઓ": "o", "ઔ": "au", "ક": "k", "ખ": "kh", "ગ": "g", "ઘ": "gh", "ઙ": "n", "ચ": "ch", "છ": "ch", "જ": "j", "ઝ": "jh", "ઞ": "n", "ટ": "t", "ઠ": "th", "ડ": "d", "ઢ": "dh", "ણ": "n", "ત": "t", "થ": "th", "દ": "d", "ધ": "dh", "ન": "n", "પ": "p", "ફ": "ph", "બ": "b", "ભ": "bh", "મ": "m", "ય": "y", "ર": "r", "લ": "l", "ળ": "l", "વ": "v", "શ": "sh", "ષ": "sh", "સ": "s", "હ": "h", "ઽ": "", "ા": "a", "િ": "i", "ી": "i", "ુ": "u", "ૂ": "u", "ૃ": "rri", "ૄ": "rri", "ૅ": "e", "ે": "e", "ૈ": "ai", "ૉ": "o", "ો": "o", "ૌ": "au", "્": "", "ૠ": "rri", "ૡ": "lli", "ૢ": "lli", "ૣ": "lli", "૦": "0", "૧": "1", "૨": "2", "૩": "3", "૪": "4", "૫": "5", "૬": "6", "૭": "7", "૮": "8", "૯": "9", "ૹ": "zh", "ଁ": "n", "ଂ": "n", "ଃ": "h", "ଅ": "a", "ଆ": "a", "ଇ": "i", "ଈ": "i", "ଉ": "u", "ଊ": "u", "ଋ": "rri", "ଌ": "lli", "ଏ": "e", "ଐ": "ai", "ଓ": "o", "ଔ": "au", "କ": "k", "ଖ": "kh", "ଗ": "g", "ଘ": "gh", "ଙ": "n", "ଚ": "ch", "ଛ": "ch", "ଜ": "j", "ଝ": "jh", "ଞ": "n", "ଟ": "t", "ଠ": "th", "ଡ": "d", "ଢ": "dh", "ଣ": "n", "ତ": "t", "ଥ": "th", "ଦ": "d", "ଧ": "dh", "ନ": "n", "ପ": "p", "ଫ": "ph", "ବ": "b", "ଭ": "bh", "ମ": "m", "ଯ": "y", "ର": "r", "ଲ": "l", "ଳ": "l", "ଵ": "v", "ଶ": "sh", "ଷ": "sh", "ସ": "s", "ହ": "h", "ଽ": "", "ା": "a", "ି": "i", "ୀ": "i", "ୁ": "u", "ୂ": "u", "ୃ": "rri", "ୄ": "rri", "େ": "e", "୍": "", "ୟ": "y", "ୠ": "rri", "ୡ": "lli", "ୢ": "lli", "ୣ": "lli", "୦": "0", "୧": "1", "୨": "2", "୩": "3", "୪": "4", "୫": "5", "୬": "6", "୭": "7", "୮": "8", "୯": "9", "ୱ": "w", "ஂ": "n", "ஃ": "h", "அ": "a", "ஆ": "a", "இ": "i", "ஈ": "i", "உ": "u", "ஊ": "u", "எ": "e", "ஏ": "e", "ஐ": "ai", "ஒ": "o", "ஓ": "o", "க": "gh", "ங": "n", "ச": "jh", "ஜ": "j", "ஞ": "n", "ட": "dh", "ண": "n", "த": "dh", "ந": "n", "ன": "nnn", "ப": "bh", "ம": "m", "ய": "y", "ர": "r", "ற": "r", "ல": "l", "ள": "l", "ழ": "zh", "வ": "v", "ஶ": "sh", "ஷ": "sh", "ஸ": "s", "ஹ": "h", "ா": "a", "ி": "i", "ீ": "i", "ு": "u", "ூ": "u", "ெ": "e", "ே": "e", "ை": "ai", "்": "", "௦": "0", "௧": "1", "௨": "2", "௩": "3", "௪": "4", "௫": "5", "௬": "6", "௭": "7", "௮": "8", "௯": "9", "ఀ": "n", "ఁ": "n", "ం": "n", "ః": "h", "ఄ": "n", "అ": "a", "ఆ": "a", "ఇ": "i", "ఈ": "i", "ఉ": "u", "ఊ": "u", "ఋ": "rri", "ఌ": "lli", "ఎ": "e", "ఏ": "e", "ఐ": "ai", "ఒ": "o", "ఓ": "o", "ఔ": "au", "క": "k", "ఖ": "kh", "గ": "g", "ఘ": "gh", "ఙ": "n", "చ": "ch", "ఛ": "ch", "జ": "j", "ఝ": "jh", "ఞ": "n", "ట": "t", "ఠ": "th", "డ": "d", "ఢ": "dh", "ణ": "n", "త": "t", "థ": "th", "ద": "d", "ధ": "dh", "న": "n", "ప": "p", "ఫ": "ph", "బ": "b", "భ": "bh", "మ": "m", "య": "y", "ర": "r", "ఱ": "r", "ల": "l", "ళ": "l", "ఴ": "zh", "వ": "v", "శ": "sh", "ష": "sh", "స": "s", "హ": "h", "ఽ": "", "ా": "a", "ి": "i", "ీ": "i", "ు": "u", "ూ": "u", "ృ": "rri", "ౄ": "rri", "ె": "e", "ే": "e", "ొ": "o", "ో": "o", "ౌ": "au", "్": "", "ౘ": "ts", "ౙ": "dz", "ౚ": "rrr", "ౝ": "n", "ౠ": "rri", "ౡ": "lli", "ౢ": "lli", "ౣ": "lli", "౦": "0", "౧": "1", "౨": "2", "౩": "3", "౪": "4", "౫": "5", "౬": "6", "౭": "7", "౮": "8", "౯": "9", "ಀ": "n", "ಁ": "n", "ಂ": "n", "ಃ": "h", "ಅ": "a", "ಆ": "a", "ಇ": "i", "ಈ": "i", "ಉ": "u", "ಊ": "u", "ಋ": "rri", "ಌ": "lli", "ಎ": "e", "ಏ": "e", "ಐ": "ai", "ಒ": "o", "ಓ": "o", "ಔ": "au", "ಕ": "k", "ಖ": "kh", "ಗ": "g", "ಘ": "gh", "ಙ": "n", "ಚ": "ch", "ಛ": "ch", "ಜ": "j", "ಝ": "jh", "ಞ": "n", "ಟ": "t", "ಠ": "th", "ಡ": "d", "ಢ": "dh", "ಣ": "n", "ತ": "t", "ಥ": "th", "ದ": "d", "ಧ": "dh", "ನ": "n", "ಪ": "p", "ಫ": "ph", "ಬ": "b", "ಭ": "bh", "ಮ": "m", "ಯ": "y", "ರ": "r", "ಱ": "r", "ಲ": "l", "ಳ": "l", "ವ": "v", "ಶ": "sh", "ಷ": "sh", "ಸ": "s", "ಹ": "h", "ಽ": "", "ಾ": "a", "ಿ": "i", "ು": "u", "ೂ": "u", "ೃ": "rri", "ೄ": "rri", "ೆ": "e", "ೌ": "au", "್": "", "ೝ": "n", "ೞ": "zh", "ೠ": "rri", "ೡ": "lli", "ೢ": "lli", "ೣ": "lli", "೦": "0", "೧": "1", "೨": "2", "೩": "3", "೪": "4", "೫": "5", "೬": "6", "೭": "7", "೮": "8", "೯": "9", "ഀ": "n", "ഁ": "n", "ം": "n", "ഃ": "h", "ഄ": "", "അ": "a", "ആ": "a", "ഇ": "i", "ഈ": "i", "ഉ": "u", "ഊ": "u", "ഋ": "rri", "ഌ": "lli", "എ": "e", "ഏ": "e", "ഐ": "ai", "ഒ": "o", "ഓ": "o", "ഔ": "au", "ക": "k", "ഖ": "kh", "ഗ": "g", "ഘ": "gh", "ങ": "n", "ച": "ch", "ഛ": "ch", "ജ": "j", "ഝ": "jh", "ഞ": "n", "ട": "t", "ഠ": "th", "ഡ": "d", "ഢ": "dh", "ണ": "n", "ത": "t", "ഥ": "th", "ദ": "d", "ധ": "dh", "ന": "n", "ഩ": "nnn", "പ": "p", "ഫ": "ph", "ബ": "b", "ഭ": "bh", "മ": "m", "യ": "y", "ര": "r", "റ": "r", "ല": "l", "ള": "l", "ഴ": "zh", "വ": "v", "ശ": "sh", "ഷ": "sh", "സ": "s", "ഹ": "h", "ഺ": "ttt", "ഽ": "", "ാ": "a", "ി": "i", "ീ": "i", "ു": "u", "ൂ": "u", "ൃ": "rri", "ൄ": "rri", "െ": "e", "േ": "e", "ൈ": "ai", "്": "", "ൎ": "", "ൔ": "m", "ൕ": "y", "ൖ": "lll", "ൟ": "ii", "ൠ": "rri", "ൡ": "lli", "ൢ": "lli", "ൣ": "lli", "൦": "0", "൧": "1", "൨": "2", "൩": "3", "൪": "4", "൫": "5", "൬": "6", "൭": "7", "൮": "8", "൯": "9", "ൺ": "nn", "ൻ": "n", "ർ": "rr", "ൽ": "l", "ൾ": "ll", "ൿ": "k"}'::jsonb ->> c.ch, c.ch), '' ORDER BY c.pos),
                   chr(1) || '(?![a-z0-9])', '', 'g'),
               chr(1), 'a')
        FROM regexp_split_to_table(
            regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(t, '[़়਼઼଼఼಼]', '', 'g'), '(?<![\u0900-\u0d7f])डिस्ट्रीब्यूटर्स(?![\u0900-\u0d7f])', 'distributors', 'g'), '(?<![\u0900-\u0d7f])मल्टीस्पेशियलिटी(?![\u0900-\u0d7f])', 'multispeciality', 'g'), '(?<![\u0900-\u0d7f])डायग्नॉस्टिक्स(?![\u0900-\u0d7f])', 'diagnostics', 'g'), '(?<![\u0900-\u0d7f])डायग्नोस्टिक्स(?![\u0900-\u0d7f])', 'diagnostics', 'g'), '(?<![\u0900-\u0d7f])मल्टीस्पेशलिटी(?![\u0900-\u0d7f])', 'multispeciality', 'g'), '(?<![\u0900-\u0d7f])इक्विपमेंट्स(?![\u0900-\u0d7f])', 'equipments', 'g'), '(?<![\u0900-\u0d7f])डायग्नोस्टिक(?![\u0900-\u0d7f])', 'diagnostics', 'g'), '(?<![\u0900-\u0d7f])इंस्टिट्यूट(?![\u0900-\u0d7f])', 'institute', 'g'), '(?<![\u0900-\u0d7f])इंस्टीट्यूट(?![\u0900-\u0d7f])', 'institute', 'g'), '(?<![\u0900-\u0d7f])टेक्नोलॉजीज(?![\u0900-\u0d7f])', 'technologies', 'g'), '(?<![\u0900-\u0d7f])पॉलीक्लिनिक(?![\u0900-\u0d7f])', 'polyclinic', 'g'), '(?<![\u0900-\u0d7f])पोलीक्लिनिक(?![\u0900-\u0d7f])', 'polyclinic', 'g'), '(?<![\u0900-\u0d7f])स्पेशियलिटी(?![\u0900-\u0d7f])', 'speciality', 'g'), '(?<![\u0900-\u0d7f])इक्विपमेंट(?![\u0900-\u0d7f])', 'equipments', 'g'), '(?<![\u0900-\u0d7f])चिल्ड्रन्स(?![\u0900-\u0d7f])', 'children', 'g'), '(?<![\u0900-\u0d7f])लेबोरेट्री(?![\u0900-\u0d7f])', 'laboratory', 'g'), '(?<![\u0900-\u0d7f])इंटरनेशनल(?![\u0900-\u0d7f])', 'international', 'g'), '(?<![\u0900-\u0d7f])चिल्ड्रेन(?![\u0900-\u0d7f])', 'children', 'g'), '(?<![\u0900-\u0d7f])लेबोरेटरी(?![\u0900-\u0d7f])', 'laboratory', 'g'), '(?<![\u0900-\u0d7f])लैबोरेटरी(?![\u0900-\u0d7f])', 'laboratory', 'g'), '(?<![\u0900-\u0d7f])सर्जिकल्स(?![\u0900-\u0d7f])', 'surgicals', 'g'), '(?<![\u0900-\u0d7f])सॉल्यूशंस(?![\u0900-\u0d7f])', 'solutions', 'g'), '(?<![\u0900-\u0d7f])स्पेशलिटी(?![\u0900-\u0d7f])', 'speciality', 'g'), '(?<![\u0900-\u0d7f])हेल्थकेयर(?![\u0900-\u0d7f])', 'healthcare', 'g'), '(?<![\u0900-\u0d7f])चिल्ड्रन(?![\u0900-\u0d7f])', 'children', 'g'), '(?<![\u0900-\u0d7f])डायलिसिस(?![\u0900-\u0d7f])', 'dialysis', 'g'), '(?<![\u0900-\u0d7f])डिवाइसेज(?![\u0900-\u0d7f])', 'devices', 'g'), '(?<![\u0900-\u0d7f])पैथोलॉजी(?![\u0900-\u0d7f])', 'pathology', 'g'), '(?<![\u0900-\u0d7f])पैथोलोजी(?![\u0900-\u0d7f])', 'pathology', 'g'), '(?<![\u0900-\u0d7f])प्राइवेट(?![\u0900-\u0d7f])', 'private', 'g'), '(?<![\u0900-\u0d7f])मेडिकल्स(?![\u0900-\u0d7f])', 'medical', 'g'), '(?<![\u0900-\u0d7f])मेमोरियल(?![\u0900-\u0d7f])', 'memorial', 'g'), '(?<![\u0900-\u0d7f])मैटरनिटी(?![\u0900-\u0d7f])', 'maternity', 'g'), '(?<![\u0900-\u0d7f])सर्विसेज(?![\u0900-\u0d7f])', 'services', 'g'), '(?<![\u0900-\u0d7f])सिस्टम्स(?![\u0900-\u0d7f])', 'systems', 'g'), '(?<![\u0900-\u0d7f])हास्पिटल(?![\u0900-\u0d7f])', 'hospital', 'g'), '(?<![\u0900-\u0d7f])हॉस्पीटल(?![\u0900-\u0d7f])', 'hospital', 'g'), '(?<![\u0900-\u0d7f])इमेजिंग(?![\u0900-\u0d7f])', 'imaging', 'g'), '(?<![\u0900-\u0d7f])एजेंसीज(?![\u0900-\u0d7f])', 'agencies', 'g'), '(?<![\u0900-\u0d7f])क्लीनिक(?![\u0900-\u0d7f])', 'clinic', 'g'), '(?<![\u0900-\u0d7f])नर्सिंग(?![\u0900-\u0d7f])', 'nursing', 'g'), '(?<![\u0900-\u0d7f])नेटवर्क(?![\u0900-\u0d7f])', 'network', 'g'), '(?<![\u0900-\u0d7f])लिमिटेड(?![\u0900-\u0d7f])', 'limited', 'g'), '(?<![\u0900-\u0d7f])श्रीमती(?![\u0900-\u0d7f])', 'smt', 'g'), '(?<![\u0900-\u0d7f])सर्जिकल(?![\u0900-\u0d7f])', 'surgical', 'g'), '(?<![\u0900-\u0d7f])सेंटर्स(?![\u0900-\u0d7f])', 'centre', 'g'), '(?<![\u0900-\u0d7f])स्कैन्स(?![\u0900-\u0d7f])', 'scan', 'g'), '(?<![\u0900-\u0d7f])हस्पताल(?![\u0900-\u0d7f])', 'hospital', 'g'), '(?<![\u0900-\u0d7f])ডাক্তার(?![\u0900-\u0d7f])', 'dr', 'g'), '(?<![\u0900-\u0d7f])एजेंसी(?![\u0900-\u0d7f])', 'agencies', 'g'), '(?<![\u0900-\u0d7f])ग्लोबल(?![\u0900-\u0d7f])', 'global', 'g'), '(?<![\u0900-\u0d7f])डाक्टर(?![\u0900-\u0d7f])', 'dr', 'g'), '(?<![\u0900-\u0d7f])डॉक्टर(?![\u0900-\u0d7f])', 'dr', 'g'), '(?<![\u0900-\u0d7f])नरसिंग(?![\u0900-\u0d7f])', 'nursing', 'g'), '(?<![\u0900-\u0d7f])फैमिली(?![\u0900-\u0d7f])', 'family', 'g'), '(?<![\u0900-\u0d7f])मेडिकल(?![\u0900-\u0d7f])', 'medical', 'g'), '(?<![\u0900-\u0d7f])रिसर्च(?![\u0900-\u0d7f])', 'research', 'g'), '(?<![\u0900-\u0d7f])सेन्टर(?![\u0900-\u0d7f])', 'centre', 'g'), '(?<![\u0900-\u0d7f])आर्थो(?![\u0900-\u0d7f])', 'ortho', 'g'), '(?<![\u0900-\u0d7f])ऑर्थो(?![\u0900-\u0d7f])', 'ortho', 'g'), '(?<![\u0900-\u0d7f])कैंसर(?![\u0900-\u0d7f])', 'cancer', 'g'), '(?<![\u0900-\u0d7f])ग्रुप(?![\u0900-\u0d7f])', 'group', 'g'), '(?<![\u0900-\u0d7f])मल्टी(?![\u0900-\u0d7f])', 'multi', 'g'), '(?<![\u0900-\u0d7f])लैब्स(?![\u0900-\u0d7f])', 'lab', 'g'), '(?<![\u0900-\u0d7f])वूमेन(?![\u0900-\u0d7f])', 'women', 'g'), '(?<![\u0900-\u0d7f])सेंटर(?![\u0900-\u0d7f])', 'centre', 'g'), '(?<![\u0900-\u0d7f])स्किन(?![\u0900-\u0d7f])', 'skin', 'g'), '(?<![\u0900-\u0d7f])स्कैन(?![\u0900-\u0d7f])', 'scan', 'g'), '(?<![\u0900-\u0d7f])हार्ट(?![\u0900-\u0d7f])', 'heart', 'g'), '(?<![\u0900-\u0d7f])हेल्थ(?![\u0900-\u0d7f])', 'health', 'g'), '(?<![\u0900-\u0d7f])एण्ड(?![\u0900-\u0d7f])', 'and', 'g'), '(?<![\u0900-\u0d7f])केयर(?![\u0900-\u0d7f])', 'care', 'g'), '(?<![\u0900-\u0d7f])जनरल(?![\u0900-\u0d7f])', 'general', 'g'), '(?<![\u0900-\u0d7f])प्रा(?![\u0900-\u0d7f])', 'private', 'g'), '(?<![\u0900-\u0d7f])वुमन(?![\u0900-\u0d7f])', 'women', 'g'), '(?<![\u0900-\u0d7f])सन्स(?![\u0900-\u0d7f])', 'sons', 'g'), '(?<![\u0900-\u0d7f])सिटी(?![\u0900-\u0d7f])', 'city', 'g'), '(?<![\u0900-\u0d7f])सुपर(?![\u0900-\u0d7f])', 'super', 'g'), '(?<![\u0900-\u0d7f])एंड(?![\u0900-\u0d7f])', 'and', 'g'), '(?<![\u0900-\u0d7f])पैथ(?![\u0900-\u0d7f])', 'pathology', 'g'), '(?<![\u0900-\u0d7f])लैब(?![\u0900-\u0d7f])', 'lab', 'g'), '(?<![\u0900-\u0d7f])होम(?![\u0900-\u0d7f])', 'home', 'g'), '(?<![\u0900-\u0d7f])ডাঃ(?![\u0900-\u0d7f])', 'dr', 'g'), '(?<![\u0900-\u0d7f])डा(?![\u0900-\u0d7f])', 'dr', 'g'), '(?<![\u0900-\u0d7f])डॉ(?![\u0900-\u0d7f])', 'dr', 'g'), '(?<![\u0900-\u0d7f])लि(?![\u0900-\u0d7f])', 'limited', 'g'), '([कखगघङचछजझञटठडढणतथदधनपफबभमयरलळवशषसहকখগঘঙচছজঝঞটঠডঢণতথদধনপফবভমযরলশষসহৰਕਖਗਘਙਚਛਜਝਞਟਠਡਢਣਤਥਦਧਨਪਫਬਭਮਯਰਲਵਸਹੜકખગઘઙચછજઝઞટઠડઢણતથદધનપફબભમયરલળવશષસહକଖଗଘଙଚଛଜଝଞଟଠଡଢଣତଥଦଧନପଫବଭମଯରଲଳଵଶଷସହୟகஙசஜஞடணதநபமயரறலளழவஶஷஸஹకఖగఘఙచఛజఝఞటఠడఢణతథదధనపఫబభమయరఱలళఴవశషసహಕಖಗಘಙಚಛಜಝಞಟಠಡಢಣತಥದಧನಪಫಬಭಮಯರಱಲಳವಶಷಸಹೞകഖഗഘങചഛജഝഞടഠഡഢണതഥദധനപഫബഭമയരറലളഴവശഷസഹ])(?![ऺऻािीुूृॄॅॆेैॉॊोौ्ॎॏॕॖॗॢॣািীুূৃৄেৈ্ৢৣਾਿੀੁੂੇੈੋੌ੍ાિીુૂૃૄૅેૈૉોૌ્ૢૣାିୀୁୂୃୄେ୍ୢୣாிீுூெேை்ాిీుూృౄెేొోౌ్ౢౣಾಿುೂೃೄೆೌ್ೢೣാിീുൂൃൄെേൈ്ൢൣ])', '\1' || chr(1), 'g'), '')
            WITH ORDINALITY AS c(ch, pos))
    END
$$;

-- A name as space-separated lower-case words (clientele.names.fold.clean).
CREATE OR REPLACE FUNCTION clientele_search_clean(raw text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(btrim(regexp_replace(regexp_replace(regexp_replace(public.clientele_name_romanize(translate(regexp_replace(regexp_replace(regexp_replace(normalize(raw, NFKD), '[̀-ͯ]', '', 'g'), '(?<![A-Za-z])(?!POLY|MULTI|SUPER|HEALTH|EYE|DAY)([A-Z]{2,5})(HOSPITALS|Hospitals|HOSPITAL|Hospital|NURSING|Nursing|DIAGNOSTICS|Diagnostics|DIAGNOSTIC|Diagnostic|CLINIC|Clinic|CENTRE|Centre|CENTER|Center|LABORATORY|Laboratory|PATHOLOGY|Pathology|MEDICAL|Medical|DENTAL|Dental|EYE|Eye|IMAGING|Imaging|SCANS|Scans|HEALTHCARE|Healthcare|MULTISPECIALITY|Multispeciality|MATERNITY|Maternity|MEMORIAL|Memorial|POLYCLINIC|Polyclinic)(?![A-Za-z])', '\1 \2', 'g'), '([a-z])(Hospitals|Hospital|Nursing|Diagnostics|Diagnostic|Clinic|Centre|Center|Laboratory|Pathology|Medical|Dental|Eye|Imaging|Scans|Healthcare|Multispeciality|Maternity|Memorial|Polyclinic)(?![A-Za-z])', '\1 \2', 'g'), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')), '[''’]s(?![a-z0-9])', '', 'g'), '[''`’]', '', 'g'), '[^a-z0-9À-ɏͰ-῿぀-鿿가-힯]+', ' ', 'g'), ' '), '(?<![^ ])([a-z]) (?=[a-z](?![^ ]))', '\1', 'g'), '(?<![^ ])n home(?![^ ])', 'nursing home', 'g'), '(?<![^ ])multi speciality(?![^ ])', 'multispeciality', 'g'), '(?<![^ ])multi specialty(?![^ ])', 'multispeciality', 'g'), '(?<![^ ])super specialty(?![^ ])', 'super speciality', 'g')
$$;

-- One word with transliteration variants folded (clientele.names.fold.spelling).
CREATE OR REPLACE FUNCTION clientele_search_fold(word text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(word, 'ksh', 'x'), 'ks', 'x'), 'sh', 's'), 'ee', 'i'), 'oo', 'u'), 'aa', 'a'), 'w', 'v'), 'ph', 'f'), 'th', 't'), 'dh', 'd'), 'bh', 'b'), 'kh', 'k'), 'gh', 'g'), '(.)\1+', '\1', 'g')
$$;

-- The folded name the search indexes (clientele.names.fold.search_key).
-- PL/pgSQL, not SQL: a SQL function's body is planned again for every call site, and with the
-- cleaning expression inlined that made a fold cost ~280 us; PL/pgSQL keeps its plans (~75 us;
-- revision 0003's fold took ~45 us). Schema-qualified calls: maintenance (ANALYZE of the
-- expression index) runs with a bare search_path.
CREATE OR REPLACE FUNCTION clientele_search_normalize(raw text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    cleaned text := public.clientele_search_clean(raw);
BEGIN
    RETURN (
        SELECT coalesce(string_agg(public.clientele_search_fold(t.word), ' ' ORDER BY t.pos), '')
        FROM unnest(string_to_array((
            SELECT string_agg(coalesce('{"and": "", "aspatal": "hospital", "at": "", "center": "centre", "centers": "centre", "centres": "centre", "clin": "clinic", "clinics": "clinic", "cntr": "centre", "ctr": "centre", "diag": "diagnostics", "diagn": "diagnostics", "diagnostic": "diagnostics", "doctor": "dr", "eqpt": "equipments", "equipment": "equipments", "hosp": "hospital", "hospitals": "hospital", "hospl": "hospital", "hosptl": "hospital", "hsp": "hospital", "inst": "institute", "intl": "international", "klinik": "clinic", "lab": "laboratory", "laboratories": "laboratory", "labs": "laboratory", "ltd": "limited", "med": "medical", "medicals": "medical", "mem": "memorial", "mfg": "manufacturing", "multispecialty": "multispeciality", "nh": "nursing home", "nsg": "nursing", "of": "", "path": "pathology", "pvt": "private", "s": "", "scans": "scan", "specialty": "speciality", "spl": "speciality", "superspeciality": "super speciality", "superspecialty": "super speciality", "svcs": "services", "the": ""}'::jsonb ->> s.word, s.word), ' ' ORDER BY s.pos)
            FROM unnest(string_to_array(cleaned, ' ')) WITH ORDINALITY AS s(word, pos)
        ), ' ')) WITH ORDINALITY AS t(word, pos)
        WHERE t.word <> '');
END;
$$;
"""

# Legacy aliases: every other spelling the old application held for a customer
# (`metadata.legacy.aliases`, e.g. "डॉ. अमित अग्रवाल" beside "Dr. Amit Agarwal") is searchable.
# Its folded forms (those that differ from the folded name) are kept in `search_names` like any
# name, and a partial GIN expression index finds the customers holding one.
ALIASES_SQL = r"""
-- The folded spellings of a customer's legacy aliases other than its name's (NULL: none).
CREATE OR REPLACE FUNCTION clientele_search_aliases(name text, metadata jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(metadata #> '{legacy,aliases}') = 'array' THEN nullif(ARRAY(
        SELECT DISTINCT f
        FROM jsonb_array_elements_text(metadata #> '{legacy,aliases}') AS a(alias),
             public.clientele_search_normalize(a.alias) AS f
        WHERE f <> '' AND f IS DISTINCT FROM public.clientele_search_normalize(name)
        ORDER BY f), '{}') END
$$;

CREATE OR REPLACE FUNCTION clientele_customers_search_aliases() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM clientele_search_remember(a.folded)
    FROM unnest(clientele_search_aliases(NEW.name, NEW.metadata)) AS a(folded) ORDER BY a.folded;
    RETURN NEW;
END;
$$;

CREATE TRIGGER customers_search_aliases_insert
    BEFORE INSERT ON customers
    FOR EACH ROW WHEN (NEW.metadata ? 'legacy')
    EXECUTE FUNCTION clientele_customers_search_aliases();
CREATE TRIGGER customers_search_aliases_update
    BEFORE UPDATE OF name, metadata ON customers
    FOR EACH ROW WHEN (NEW.metadata ? 'legacy' AND (NEW.name IS DISTINCT FROM OLD.name
        OR NEW.metadata #> '{legacy,aliases}' IS DISTINCT FROM OLD.metadata #> '{legacy,aliases}'))
    EXECUTE FUNCTION clientele_customers_search_aliases();
"""

# Revision 0003's sweep, which an alias-only name would not survive; restored by the downgrade.
REFRESH_SQL = """
-- Sweep names no customer holds any more (as its name or a legacy alias) and recount word
-- frequencies (run now and then).
CREATE OR REPLACE FUNCTION clientele_search_refresh() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_names AS n
    WHERE NOT EXISTS (
        SELECT FROM customers AS c WHERE clientele_search_normalize(c.name) = n.search_name)
      AND NOT EXISTS (
        SELECT FROM customers AS c
        WHERE c.metadata ? 'legacy'
          AND clientele_search_aliases(c.name, c.metadata) @> ARRAY[n.search_name]);
    INSERT INTO search_terms (term, df)
        SELECT w, count(*) FROM search_names, unnest(terms) AS w GROUP BY w
        ON CONFLICT (term) DO UPDATE SET df = excluded.df;
    DELETE FROM search_terms AS t
    WHERE NOT EXISTS (SELECT FROM search_names AS n WHERE n.terms @> ARRAY[t.term]);
    INSERT INTO search_term_variants (variant, term)
        SELECT v, t.term FROM search_terms AS t,
            unnest(t.term || clientele_search_deletions(t.term)) AS v
        WHERE length(t.term) >= 4
        ON CONFLICT DO NOTHING;
END;
$$;
"""
OLD_REFRESH_SQL = """
CREATE OR REPLACE FUNCTION clientele_search_refresh() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_names AS n
    WHERE NOT EXISTS (
        SELECT FROM customers AS c WHERE clientele_search_normalize(c.name) = n.search_name);
    INSERT INTO search_terms (term, df)
        SELECT w, count(*) FROM search_names, unnest(terms) AS w GROUP BY w
        ON CONFLICT (term) DO UPDATE SET df = excluded.df;
    DELETE FROM search_terms AS t
    WHERE NOT EXISTS (SELECT FROM search_names AS n WHERE n.terms @> ARRAY[t.term]);
    INSERT INTO search_term_variants (variant, term)
        SELECT v, t.term FROM search_terms AS t,
            unnest(t.term || clientele_search_deletions(t.term)) AS v
        WHERE length(t.term) >= 4
        ON CONFLICT DO NOTHING;
END;
$$;
"""

REFOLD = """
DELETE FROM search_term_variants;
DELETE FROM search_terms;
DELETE FROM search_names;
SELECT clientele_search_remember(f.folded)
FROM (SELECT DISTINCT clientele_search_normalize(name) AS folded FROM customers) AS f;
SELECT clientele_search_refresh();
"""
REMEMBER_ALIASES = """
SELECT clientele_search_remember(f.folded)
FROM (SELECT DISTINCT unnest(clientele_search_aliases(name, metadata)) AS folded
      FROM customers WHERE metadata ? 'legacy' ORDER BY 1) AS f;
SELECT clientele_search_refresh();
"""
ALIASES_INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_customers_search_aliases ON customers"
    " USING gin (clientele_search_aliases(name, metadata)) WHERE metadata ? 'legacy'"
)


def _revision_0009_fold() -> str:
    path = Path(__file__).with_name("0009_name_fold.py")
    spec = importlib.util.spec_from_file_location("clientele_revision_0009", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.FOLD_SQL)


def _rebuild() -> None:
    with op.get_context().autocommit_block():
        op.execute("REINDEX INDEX CONCURRENTLY ix_customers_search_name")
    op.execute(REFOLD)


def upgrade() -> None:
    op.execute(FOLD_SQL)
    op.execute(ALIASES_SQL)
    op.execute(REFRESH_SQL)
    _rebuild()
    with op.get_context().autocommit_block():
        # A failed concurrent build leaves an INVALID index behind: drop it, build again.
        op.execute(
            "DO $$ BEGIN IF EXISTS (SELECT FROM pg_index WHERE NOT indisvalid AND indexrelid ="
            " to_regclass('ix_customers_search_aliases')) THEN"
            " DROP INDEX ix_customers_search_aliases; END IF; END $$"
        )
        op.execute(ALIASES_INDEX)
    op.execute(REMEMBER_ALIASES)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_customers_search_aliases")
    op.execute("DROP TRIGGER customers_search_aliases_update ON customers")
    op.execute("DROP TRIGGER customers_search_aliases_insert ON customers")
    op.execute(OLD_REFRESH_SQL)
    op.execute("DROP FUNCTION clientele_customers_search_aliases()")
    op.execute("DROP FUNCTION clientele_search_aliases(text, jsonb)")
    op.execute(_revision_0009_fold())
    _rebuild()
