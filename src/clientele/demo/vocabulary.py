"""Static data of the demo generator's customers: cities with their STD codes and localities,
mobile series, names by region, words of hospital, clinic, lab, dealer and maker names,
streets, mail domains, and the shares and weights that make the mix look like a real
service desk's. Data only: the logic that draws from it is in customers.py.
"""

import json
import re
from collections.abc import Sequence
from importlib.resources import files
from typing import Any, NamedTuple

from clientele.gstin import state_code_for


class City(NamedTuple):
    name: str
    state: str
    std_code: str
    region: str
    weight: float
    localities: tuple[tuple[str, str], ...]  # (locality, pincode)


def load_data(name: str) -> Any:
    """The parsed JSON file `name` of the demo's static data (clientele/demo/data/)."""
    return json.loads((files("clientele.demo") / "data" / name).read_text(encoding="utf-8"))


# data/cities.json: one row per city, [name, state, STD code, region, weight, [[locality,
# pincode], ...]]. STD codes are chosen so that "<std>2xxxx..." is an unambiguous fixed line in
# libphonenumber (Raipur 0771 and Visakhapatnam 0891 overlap mobile ranges).
CITIES: tuple[City, ...] = tuple(
    City(name, state, std_code, region, weight, tuple((place, pin) for place, pin in localities))
    for name, state, std_code, region, weight, localities in load_data("cities.json")
)

# fmt: off
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
