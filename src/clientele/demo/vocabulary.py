"""Static data of the demo generator's customers: cities with their STD codes and localities,
mobile series, names by region, words of hospital, clinic, lab, dealer and maker names,
streets, mail domains, and the shares and weights that make the mix look like a real
service desk's. Data only: the logic that draws from it is in customers.py.
"""

import re
from collections.abc import Sequence
from typing import NamedTuple

from clientele.gstin import state_code_for


class City(NamedTuple):
    name: str
    state: str
    std_code: str
    region: str
    weight: float
    localities: tuple[tuple[str, str], ...]  # (locality, pincode)


# fmt: off
# STD codes are chosen so that "<std>2xxxx..." is an unambiguous fixed line in
# libphonenumber (Raipur 0771 and Visakhapatnam 0891 overlap mobile ranges).
CITIES: tuple[City, ...] = (
    City("Mumbai", "Maharashtra", "22", "west", 9, (
        ("Andheri East", "400069"), ("Bandra West", "400050"), ("Dadar West", "400028"),
        ("Borivali West", "400092"), ("Chembur", "400071"), ("Powai", "400076"))),
    City("Thane", "Maharashtra", "22", "west", 3, (
        ("Naupada", "400602"), ("Vartak Nagar", "400606"), ("Ghodbunder Road", "400615"))),
    City("Pune", "Maharashtra", "20", "west", 6, (
        ("Kothrud", "411038"), ("Shivajinagar", "411005"), ("Hadapsar", "411028"),
        ("Aundh", "411007"), ("Baner", "411045"))),
    City("Nagpur", "Maharashtra", "712", "west", 2, (
        ("Dharampeth", "440010"), ("Sitabuldi", "440012"), ("Sadar", "440001"),
        ("Manish Nagar", "440015"))),
    City("Nashik", "Maharashtra", "253", "west", 1.5, (
        ("College Road", "422005"), ("Nashik Road", "422101"), ("Panchavati", "422003"))),
    City("Aurangabad", "Maharashtra", "240", "west", 1, (
        ("CIDCO", "431003"), ("Osmanpura", "431005"), ("Jalna Road", "431001"))),
    City("New Delhi", "Delhi", "11", "north", 9, (
        ("Connaught Place", "110001"), ("Karol Bagh", "110005"), ("Lajpat Nagar", "110024"),
        ("Rohini", "110085"), ("Dwarka", "110075"), ("Saket", "110017"), ("Janakpuri", "110058"))),
    City("Gurugram", "Haryana", "124", "north", 3, (
        ("Sector 14", "122001"), ("Sector 56", "122011"), ("Sohna Road", "122018"))),
    City("Noida", "Uttar Pradesh", "120", "north", 2.5, (
        ("Sector 18", "201301"), ("Sector 62", "201309"), ("Sector 128", "201304"))),
    City("Faridabad", "Haryana", "129", "north", 1.5, (
        ("Sector 16", "121002"), ("NIT", "121001"), ("Sector 21C", "121001"))),
    City("Chandigarh", "Chandigarh", "172", "north", 2, (
        ("Sector 17", "160017"), ("Sector 22", "160022"), ("Sector 35", "160022"))),
    City("Ludhiana", "Punjab", "161", "north", 1.5, (
        ("Model Town", "141002"), ("Sarabha Nagar", "141001"), ("Civil Lines", "141001"))),
    City("Amritsar", "Punjab", "183", "north", 1, (
        ("Ranjit Avenue", "143001"), ("Lawrence Road", "143001"), ("Majitha Road", "143001"))),
    City("Jaipur", "Rajasthan", "141", "north", 3, (
        ("C-Scheme", "302001"), ("Malviya Nagar", "302017"), ("Vaishali Nagar", "302021"),
        ("Mansarovar", "302020"))),
    City("Jodhpur", "Rajasthan", "291", "north", 1, (
        ("Sardarpura", "342003"), ("Paota", "342006"), ("Ratanada", "342011"))),
    City("Udaipur", "Rajasthan", "294", "north", 1, (
        ("Hiran Magri", "313002"), ("Fatehpura", "313004"), ("Chetak Circle", "313001"))),
    City("Lucknow", "Uttar Pradesh", "522", "north", 3, (
        ("Hazratganj", "226001"), ("Gomti Nagar", "226010"), ("Aliganj", "226024"),
        ("Indira Nagar", "226016"))),
    City("Kanpur", "Uttar Pradesh", "512", "north", 2, (
        ("Swaroop Nagar", "208002"), ("Kidwai Nagar", "208011"), ("Civil Lines", "208001"))),
    City("Varanasi", "Uttar Pradesh", "542", "north", 1.5, (
        ("Lanka", "221005"), ("Sigra", "221010"), ("Cantonment", "221002"))),
    City("Agra", "Uttar Pradesh", "562", "north", 1, (
        ("Sanjay Place", "282002"), ("Kamla Nagar", "282005"), ("Civil Lines", "282002"))),
    City("Dehradun", "Uttarakhand", "135", "north", 1, (
        ("Rajpur Road", "248001"), ("Dalanwala", "248001"), ("Prem Nagar", "248007"))),
    City("Shimla", "Himachal Pradesh", "177", "north", 0.6, (
        ("Mall Road", "171001"), ("Sanjauli", "171006"))),
    City("Jammu", "Jammu and Kashmir", "191", "north", 0.8, (
        ("Gandhi Nagar", "180004"), ("Trikuta Nagar", "180012"))),
    City("Patna", "Bihar", "612", "east", 2, (
        ("Boring Road", "800001"), ("Kankarbagh", "800020"), ("Rajendra Nagar", "800016"),
        ("Patliputra Colony", "800013"))),
    City("Ranchi", "Jharkhand", "651", "east", 1, (
        ("Lalpur", "834001"), ("Bariatu", "834009"), ("Doranda", "834002"))),
    City("Kolkata", "West Bengal", "33", "east", 7, (
        ("Salt Lake", "700091"), ("Park Street", "700016"), ("Ballygunge", "700019"),
        ("Behala", "700034"), ("New Town", "700156"))),
    City("Bhubaneswar", "Odisha", "674", "east", 1.5, (
        ("Saheed Nagar", "751007"), ("Patia", "751024"), ("Nayapalli", "751012"))),
    City("Guwahati", "Assam", "361", "east", 1.5, (
        ("Dispur", "781006"), ("Paltan Bazaar", "781008"), ("Beltola", "781028"))),
    City("Bhopal", "Madhya Pradesh", "755", "north", 1.5, (
        ("Arera Colony", "462016"), ("MP Nagar", "462011"), ("Kolar Road", "462042"))),
    City("Indore", "Madhya Pradesh", "731", "north", 2, (
        ("Vijay Nagar", "452010"), ("Palasia", "452001"), ("Rajendra Nagar", "452012"))),
    City("Ahmedabad", "Gujarat", "79", "west", 5, (
        ("Navrangpura", "380009"), ("Satellite", "380015"), ("Maninagar", "380008"),
        ("Bodakdev", "380054"))),
    City("Surat", "Gujarat", "261", "west", 3, (
        ("Athwa Lines", "395001"), ("Adajan", "395009"), ("Varachha", "395006"))),
    City("Vadodara", "Gujarat", "265", "west", 2, (
        ("Alkapuri", "390007"), ("Karelibaug", "390018"), ("Manjalpur", "390011"))),
    City("Rajkot", "Gujarat", "281", "west", 1.5, (
        ("Kalawad Road", "360005"), ("Race Course", "360001"))),
    City("Panaji", "Goa", "832", "west", 0.8, (
        ("Altinho", "403001"), ("Miramar", "403001"), ("Porvorim", "403521"))),
    City("Bengaluru", "Karnataka", "80", "south", 8, (
        ("Koramangala", "560034"), ("Jayanagar", "560011"), ("Indiranagar", "560038"),
        ("Whitefield", "560066"), ("Malleshwaram", "560003"), ("HSR Layout", "560102"))),
    City("Mysuru", "Karnataka", "821", "south", 1.5, (
        ("Saraswathipuram", "570009"), ("Vijayanagar", "570017"), ("Kuvempunagar", "570023"))),
    City("Mangaluru", "Karnataka", "824", "south", 1.5, (
        ("Hampankatta", "575001"), ("Kadri", "575002"), ("Kankanady", "575002"))),
    City("Chennai", "Tamil Nadu", "44", "south", 7, (
        ("T. Nagar", "600017"), ("Anna Nagar", "600040"), ("Adyar", "600020"),
        ("Velachery", "600042"), ("Mylapore", "600004"), ("Porur", "600116"))),
    City("Coimbatore", "Tamil Nadu", "422", "south", 2.5, (
        ("R.S. Puram", "641002"), ("Gandhipuram", "641012"), ("Peelamedu", "641004"),
        ("Saibaba Colony", "641011"))),
    City("Madurai", "Tamil Nadu", "452", "south", 1.5, (
        ("Anna Nagar", "625020"), ("K.K. Nagar", "625020"), ("Tallakulam", "625002"))),
    City("Puducherry", "Puducherry", "413", "south", 1, (
        ("White Town", "605001"), ("Lawspet", "605008"))),
    City("Hyderabad", "Telangana", "40", "south", 7, (
        ("Banjara Hills", "500034"), ("Jubilee Hills", "500033"), ("Ameerpet", "500016"),
        ("Kukatpally", "500072"), ("Secunderabad", "500003"), ("Gachibowli", "500032"))),
    City("Vijayawada", "Andhra Pradesh", "866", "south", 1.5, (
        ("Benz Circle", "520010"), ("Labbipet", "520010"), ("Governorpet", "520002"))),
    City("Kochi", "Kerala", "484", "south", 2.5, (
        ("Edappally", "682024"), ("Kadavanthra", "682020"), ("Palarivattom", "682025"),
        ("Ernakulam South", "682016"))),
    City("Thiruvananthapuram", "Kerala", "471", "south", 1.5, (
        ("Pattom", "695004"), ("Kowdiar", "695003"), ("Ulloor", "695011"))),
    City("Kozhikode", "Kerala", "495", "south", 1, (
        ("Nadakkavu", "673011"), ("Mavoor Road", "673004"))),
)

# Three-digit mobile series that libphonenumber accepts with any 7-digit tail
# and never mistakes for a landline (many 7x/8x series overlap STD codes),
# weighted towards the 9-series like real subscriber bases.
MOBILE_SERIES_RANGES = (
    (600, 609), (635, 640), (687, 699), (700, 709), (796, 801), (808, 810), (887, 890), (895, 999),
)
MOBILE_PREFIXES: tuple[str, ...] = tuple(
    f"+91{series}" for low, high in MOBILE_SERIES_RANGES for series in range(low, high + 1)
)
MOBILE_TAIL = 10**7

# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "north": (
        "Rajesh", "Sunil", "Amit", "Anil", "Vikas", "Rahul", "Neha", "Pooja", "Ritu", "Sanjay",
        "Manoj", "Deepak", "Priya", "Anjali", "Ashok", "Rakesh", "Sunita", "Kavita", "Gaurav",
        "Harpreet", "Gurpreet", "Arvind", "Alok", "Shalini", "Nidhi",
    ),
    "west": (
        "Mahesh", "Nilesh", "Sachin", "Prashant", "Hemant", "Ketan", "Bhavesh", "Jignesh", "Hiral",
        "Komal", "Snehal", "Swati", "Rupali", "Sameer", "Tejas", "Mitesh", "Dhaval", "Ashwini",
        "Madhuri", "Yogesh",
    ),
    "south": (
        "Venkatesh", "Srinivas", "Ramesh", "Suresh", "Karthik", "Arun", "Lakshmi", "Divya", "Kavya",
        "Meenakshi", "Ravi", "Prakash", "Anand", "Balaji", "Harish", "Deepa", "Sowmya", "Senthil",
        "Murali", "Ganesh", "Padma", "Manjunath", "Naveen", "Anitha", "Sreeja", "Biju",
    ),
    "east": (
        "Sourav", "Subhajit", "Arindam", "Debashis", "Partha", "Anirban", "Moumita", "Sudipta",
        "Rituparna", "Abhijit", "Tapas", "Sanjukta", "Bikash", "Manas", "Smita", "Rupam", "Bhaskar",
        "Nabanita",
    ),
    "any": (
        "Mohammed", "Imran", "Farhan", "Ayesha", "Sana", "Thomas", "Joseph", "Maria", "Vikram",
        "Arjun", "Sneha", "Kiran",
    ),
}
SURNAMES: dict[str, tuple[str, ...]] = {
    "north": (
        "Sharma", "Verma", "Gupta", "Agarwal", "Singh", "Chauhan", "Kapoor", "Malhotra", "Khanna",
        "Srivastava", "Mishra", "Tiwari", "Pandey", "Yadav", "Saxena", "Bansal", "Goyal", "Jain",
        "Arora", "Sethi", "Gill", "Sandhu", "Dhillon", "Tripathi",
    ),
    "west": (
        "Mehta", "Shah", "Patel", "Desai", "Joshi", "Kulkarni", "Deshpande", "Patil", "Jadhav",
        "Shinde", "Pawar", "Gokhale", "Bhatt", "Trivedi", "Parikh", "Modi", "Chavan", "Naik",
        "Kamat", "Sawant",
    ),
    "south": (
        "Reddy", "Rao", "Naidu", "Iyer", "Iyengar", "Nair", "Menon", "Pillai", "Krishnan",
        "Subramanian", "Gowda", "Shetty", "Hegde", "Kumar", "Raman", "Chandran", "Varghese",
        "Mathew", "Kurian", "Murthy", "Prasad", "Srinivasan", "Babu",
    ),
    "east": (
        "Banerjee", "Chatterjee", "Mukherjee", "Das", "Bose", "Ghosh", "Sen", "Mohanty", "Patnaik",
        "Sahoo", "Dutta", "Roy", "Chakraborty", "Saha", "Barua", "Bora", "Sinha", "Jha", "Pal",
    ),
    "any": (
        "Khan", "Qureshi", "Siddiqui", "Ansari", "Shaikh", "D'Souza", "Fernandes", "Thomas",
        "George",
    ),
}
DOCTOR_HOSPITAL_KINDS = ("Nursing Home", "Hospital", "Maternity Home")
MEMORIAL_FIRST_NAMES = (
    "Kamla", "Savitri", "Shanti", "Sushila", "Ganga", "Parvati", "Janaki", "Kaushalya",
)

# Invented brands in the style Indian hospitals really use; some repeat often
# ("City", "Sai") so that search and duplicate detection meet common names.
BRANDS = (
    "Sunrise", "City", "City", "City Care", "Apex", "Lifeline", "Jeevan Rekha", "Sanjeevani",
    "Aarogya", "Sai", "Sai", "Shri Lakshmi", "Sri Krishna", "Shree Ganesh", "Care", "Global",
    "Lotus", "Suraksha", "Amrit", "Navjeevan", "Vatsalya", "Shanti", "Mangal", "Om", "Balaji",
    "Dhanvantari", "Kalpataru", "Asha", "Nirmal", "Metro", "Janani", "Samarpan", "Prerna", "Sparsh",
    "Ankur", "Sterling", "Unity", "Trinity", "Lifecare", "Ganga", "Kaveri", "Narmada", "Sahyadri",
    "Pragati", "Chirayu", "Arogya Dham", "Matruchhaya", "Surya", "Anand", "Mahavir",
    "Venkateshwara", "Annapurna", "New Life", "Prime",
)
HOSPITAL_KINDS = (
    ("Hospital", 30), ("Multispeciality Hospital", 15), ("Super Speciality Hospital", 6),
    ("Nursing Home", 12), ("Maternity & Nursing Home", 4), ("Children's Hospital", 3),
    ("Eye Hospital", 4), ("Heart Institute", 2), ("Cancer Centre", 2),
    ("Hospital & Research Centre", 3), ("Orthopaedic Hospital", 3), ("Medical Centre", 5),
)
CLINIC_KINDS = (
    ("Clinic", 20), ("Polyclinic", 8), ("Dental Care", 8), ("IVF Centre", 4), ("Eye Care", 6),
    ("Family Clinic", 6), ("Dialysis Centre", 5), ("Physiotherapy & Rehab Centre", 3),
    ("Skin Clinic", 4),
)
DOCTOR_SPECIALTIES = (
    "Eye", "Dental", "Skin", "Child", "ENT", "Diabetes", "Heart", "Ortho", "Women's",
)
LAB_KINDS = (
    ("Diagnostics", 25), ("Path Lab", 15), ("Diagnostic Centre", 15), ("Imaging & Diagnostics", 8),
    ("Scan Centre", 8), ("Clinical Laboratory", 6), ("Pathology Lab", 8),
    ("MRI & CT Scan Centre", 4),
)
TRADE_WORDS = (
    "Medline", "Medicare", "Medisys", "Bharat", "Hindustan", "Galaxy", "Unique", "Prime",
    "Accurate", "Precision", "Sterling", "Shree Balaji", "Vardhman", "Mahavir", "Jai Ambe", "Surya",
    "Trident", "Pioneer", "Supreme", "National", "Eastern", "Southern", "Western", "Lifeline",
)
DEALER_KINDS = (
    "Surgicals Pvt Ltd", "Medical Systems", "Healthcare Solutions Pvt Ltd", "Meditech",
    "Surgical Agencies", "Medi Equipments", "Biomedical Services", "Medical Distributors",
)
MAKER_WORDS = (
    "Axon", "Zenith", "Nova", "Helix", "Vega", "Orbit", "Spectra", "Technomed", "Srijan", "Agni",
    "Bharat", "Medisys",
)
MAKER_KINDS = (
    "Medical Devices Pvt Ltd", "Biomedical Ltd", "Healthcare Technologies Pvt Ltd",
    "Electro Medicals Pvt Ltd", "Imaging Systems Pvt Ltd", "Lifesciences Ltd",
)
GROUP_KINDS = (
    ("Healthcare Group", "hospital"), ("Hospitals Ltd", "hospital"), ("Health Network", "hospital"),
    ("Medicare Pvt Ltd", "hospital"), ("Diagnostics Pvt Ltd", "lab"), ("Labs Ltd", "lab"),
)

STREETS = (
    "MG Road", "Station Road", "Hospital Road", "Main Road", "Ring Road", "Link Road", "Nehru Road",
    "1st Cross", "4th Main Road", "Church Street", "Temple Road", "Market Road", "College Road",
    "Sardar Patel Road", "Tilak Road", "Netaji Subhash Road", "Gandhi Road", "Bypass Road",
)
BUILDINGS = (
    "Shanti Complex", "Sai Plaza", "Krishna Tower", "Arihant Arcade", "Galaxy Mall",
    "Om Shopping Centre", "Laxmi Chambers",
)
LANDMARKS = (
    "Bus Stand", "Railway Station", "Ram Mandir", "SBI Bank", "Head Post Office",
    "Municipal Market", "Police Station", "Clock Tower",
)
FREE_MAIL = (
    "gmail.com", "gmail.com", "gmail.com", "gmail.com", "yahoo.co.in", "rediffmail.com",
    "outlook.com", "hotmail.com",
)
ORG_MAIL_BOXES = (
    "info", "contact", "admin", "accounts", "care", "biomedical", "purchase", "service",
)
TLDS = ("com", "com", "in", "co.in", "org")

TYPE_WEIGHTS = (
    ("hospital", 30), ("clinic", 25), ("lab", 15), ("dealer", 9), ("manufacturer", 4),
    ("individual", 17),
)
LANDLINE_SHARE = {
    "hospital": 0.45,
    "clinic": 0.2,
    "lab": 0.3,
    "dealer": 0.35,
    "manufacturer": 0.6,
    "individual": 0.0,
}
GST_SHARE = {
    "hospital": 0.9,
    "clinic": 0.6,
    "lab": 0.85,
    "dealer": 0.99,
    "manufacturer": 1.0,
    "individual": 0.0,
}
# PAN 4th character: C company, F firm, T trust, P proprietor, A association.
PAN_HOLDERS = {
    "hospital": "CCCCTTTTFFP",
    "clinic": "PPPPPPFFFC",
    "lab": "CCCCFFFPPP",
    "dealer": "CCCCCFFFFP",
    "manufacturer": "C",
    "individual": "P",
}
TAGS = {
    "hospital": (
        "nabh-accredited", "pmjay-empanelled", "teaching-hospital", "government", "trust", "icu",
        "cath-lab",
    ),
    "clinic": ("single-doctor", "dental", "ophthalmology", "dialysis"),
    "lab": ("nabl-accredited", "imaging", "pathology", "home-collection"),
    "dealer": ("channel-partner", "spares", "rental"),
    "manufacturer": ("oem", "export"),
    "individual": ("home-care",),
}
COMMON_TAGS = ("amc", "cmc", "warranty", "key-account", "priority-support", "rural", "cash-only")
BLOCKED_REASONS = (
    "Payment overdue beyond 180 days", "Repeated cheque bounce", "Legal dispute over AMC contract",
    "Service refused after abusive conduct towards engineer",
    "GST registration cancelled; awaiting new GSTIN",
)
DUPLICATE_REASON = "Duplicate of an existing customer record"
TIERS = ("standard",) * 60 + ("premium",) * 34 + ("vip",) * 6
GROUP_TIERS = ("premium",) * 7 + ("vip",) * 3
TIERS_BY_TYPE = {
    "hospital": TIERS,
    "clinic": TIERS,
    "lab": TIERS,
    "dealer": TIERS,
    "manufacturer": ("standard", "premium", "premium", "premium", "vip"),
    "individual": ("standard",) * 8 + ("premium",) * 2,
}
# fmt: on


def expand(weighted: Sequence[tuple[str, int]]) -> tuple[str, ...]:
    """Repeat each item by its weight: a uniform pick is then weighted (and beats choices())."""
    return tuple(item for item, weight in weighted for _ in range(weight))


CUSTOMER_TYPES = expand(TYPE_WEIGHTS)
HOSPITAL_KIND_POOL = expand(HOSPITAL_KINDS)
CLINIC_KIND_POOL = expand(CLINIC_KINDS)
LAB_KIND_POOL = expand(LAB_KINDS)
CITY_POOL: tuple[City, ...] = tuple(city for city in CITIES for _ in range(round(city.weight * 10)))
STATE_CODES = {city.state: code for city in CITIES if (code := state_code_for(city.state))}
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ENTITY_CHARS = "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
NOT_SLUG = re.compile(r"[^a-z0-9]+")
NAME_NOISE = frozenset({"dr.", "shri", "sri", "shree", "smt.", "the"})

# fmt: off
# (original, variant) spellings that real duplicate records differ by.
SPELLING_VARIANTS = (
    ("Pvt Ltd", "Pvt. Ltd."), ("Multispeciality", "Multi Speciality"), (" & ", " and "),
    ("Dr. ", "Dr "), ("Hospital", "Hosp."), ("Diagnostics", "Diagnostic"), ("Centre", "Center"),
    ("Nursing Home", "N. Home"), ("Shri ", "Sri "), ("Laboratory", "Lab"),
)
# fmt: on
