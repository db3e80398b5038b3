"""Deterministic generator of realistic Indian customer-master data.

Demos, tests and benchmarks all need data that looks like a real service
desk's: the same hospital names in many cities, landlines with the right STD
code, GSTINs that pass validation, tickets about real equipment faults.
Everything derives from the seed so a bug seen on seed 7 can be replayed, and
``iter_customers`` streams so a million rows never sit in memory at once.
No database access here: loaders decide how to persist what this produces.
"""

import random
import re
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from clientele.gstin import gstin_check_char, state_code_for

# Fixed "now" of the dataset: a clock-based anchor would make the same seed
# produce different rows on different days.
REFERENCE_TIME = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
_HISTORY = timedelta(days=3 * 365)
_NAMESPACE = "clientele-demo"


@dataclass(frozen=True, slots=True)
class DemoOrganization:
    """A hospital group or diagnostics chain owning several customer branches."""

    id: uuid.UUID
    name: str


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    """One row of the customer master, shaped like the database table."""

    id: uuid.UUID
    organization_id: uuid.UUID | None
    customer_type: str
    name: str
    display_name: str | None
    primary_phone: str
    secondary_phone: str | None
    whatsapp_number: str | None
    primary_email: str | None
    address_line1: str | None
    address_line2: str | None
    city: str
    state: str
    postal_code: str
    tax_id: str | None
    tier: str
    status: str
    blocked_reason: str | None
    tags: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DemoContact:
    """A person at a customer the service desk talks to."""

    id: uuid.UUID
    customer_id: uuid.UUID
    name: str
    role: str | None
    phone: str | None
    email: str | None
    whatsapp: str | None


@dataclass(frozen=True, slots=True)
class DemoEquipment:
    """An installed unit that service tickets are raised against."""

    id: uuid.UUID
    customer_id: uuid.UUID
    contact_id: uuid.UUID | None
    serial_number: str
    model: str
    manufacturer: str
    installation_city: str
    installation_state: str
    installed_at: date


@dataclass(frozen=True, slots=True)
class DemoTicket:
    """A service request; closed_at is set exactly when the status is closed."""

    id: uuid.UUID
    ticket_number: str
    customer_id: uuid.UUID
    equipment_id: uuid.UUID | None
    title: str
    description: str | None
    status: str
    priority: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class DemoDataset:
    """Everything ``generate`` produces, with references only to rows inside it."""

    organizations: list[DemoOrganization]
    customers: list[DemoCustomer]
    contacts: list[DemoContact]
    equipment: list[DemoEquipment]
    tickets: list[DemoTicket]


# --------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------


class _City(NamedTuple):
    name: str
    state: str
    std_code: str
    region: str
    weight: float
    localities: tuple[tuple[str, str], ...]  # (locality, pincode)


# fmt: off
# STD codes are chosen so that "<std>2xxxx..." is an unambiguous fixed line in
# libphonenumber (Raipur 0771 and Visakhapatnam 0891 overlap mobile ranges).
_CITIES: tuple[_City, ...] = (
    _City("Mumbai", "Maharashtra", "22", "west", 9, (
        ("Andheri East", "400069"), ("Bandra West", "400050"), ("Dadar West", "400028"),
        ("Borivali West", "400092"), ("Chembur", "400071"), ("Powai", "400076"))),
    _City("Thane", "Maharashtra", "22", "west", 3, (
        ("Naupada", "400602"), ("Vartak Nagar", "400606"), ("Ghodbunder Road", "400615"))),
    _City("Pune", "Maharashtra", "20", "west", 6, (
        ("Kothrud", "411038"), ("Shivajinagar", "411005"), ("Hadapsar", "411028"),
        ("Aundh", "411007"), ("Baner", "411045"))),
    _City("Nagpur", "Maharashtra", "712", "west", 2, (
        ("Dharampeth", "440010"), ("Sitabuldi", "440012"), ("Sadar", "440001"),
        ("Manish Nagar", "440015"))),
    _City("Nashik", "Maharashtra", "253", "west", 1.5, (
        ("College Road", "422005"), ("Nashik Road", "422101"), ("Panchavati", "422003"))),
    _City("Aurangabad", "Maharashtra", "240", "west", 1, (
        ("CIDCO", "431003"), ("Osmanpura", "431005"), ("Jalna Road", "431001"))),
    _City("New Delhi", "Delhi", "11", "north", 9, (
        ("Connaught Place", "110001"), ("Karol Bagh", "110005"), ("Lajpat Nagar", "110024"),
        ("Rohini", "110085"), ("Dwarka", "110075"), ("Saket", "110017"), ("Janakpuri", "110058"))),
    _City("Gurugram", "Haryana", "124", "north", 3, (
        ("Sector 14", "122001"), ("Sector 56", "122011"), ("Sohna Road", "122018"))),
    _City("Noida", "Uttar Pradesh", "120", "north", 2.5, (
        ("Sector 18", "201301"), ("Sector 62", "201309"), ("Sector 128", "201304"))),
    _City("Faridabad", "Haryana", "129", "north", 1.5, (
        ("Sector 16", "121002"), ("NIT", "121001"), ("Sector 21C", "121001"))),
    _City("Chandigarh", "Chandigarh", "172", "north", 2, (
        ("Sector 17", "160017"), ("Sector 22", "160022"), ("Sector 35", "160022"))),
    _City("Ludhiana", "Punjab", "161", "north", 1.5, (
        ("Model Town", "141002"), ("Sarabha Nagar", "141001"), ("Civil Lines", "141001"))),
    _City("Amritsar", "Punjab", "183", "north", 1, (
        ("Ranjit Avenue", "143001"), ("Lawrence Road", "143001"), ("Majitha Road", "143001"))),
    _City("Jaipur", "Rajasthan", "141", "north", 3, (
        ("C-Scheme", "302001"), ("Malviya Nagar", "302017"), ("Vaishali Nagar", "302021"),
        ("Mansarovar", "302020"))),
    _City("Jodhpur", "Rajasthan", "291", "north", 1, (
        ("Sardarpura", "342003"), ("Paota", "342006"), ("Ratanada", "342011"))),
    _City("Udaipur", "Rajasthan", "294", "north", 1, (
        ("Hiran Magri", "313002"), ("Fatehpura", "313004"), ("Chetak Circle", "313001"))),
    _City("Lucknow", "Uttar Pradesh", "522", "north", 3, (
        ("Hazratganj", "226001"), ("Gomti Nagar", "226010"), ("Aliganj", "226024"),
        ("Indira Nagar", "226016"))),
    _City("Kanpur", "Uttar Pradesh", "512", "north", 2, (
        ("Swaroop Nagar", "208002"), ("Kidwai Nagar", "208011"), ("Civil Lines", "208001"))),
    _City("Varanasi", "Uttar Pradesh", "542", "north", 1.5, (
        ("Lanka", "221005"), ("Sigra", "221010"), ("Cantonment", "221002"))),
    _City("Agra", "Uttar Pradesh", "562", "north", 1, (
        ("Sanjay Place", "282002"), ("Kamla Nagar", "282005"), ("Civil Lines", "282002"))),
    _City("Dehradun", "Uttarakhand", "135", "north", 1, (
        ("Rajpur Road", "248001"), ("Dalanwala", "248001"), ("Prem Nagar", "248007"))),
    _City("Shimla", "Himachal Pradesh", "177", "north", 0.6, (
        ("Mall Road", "171001"), ("Sanjauli", "171006"))),
    _City("Jammu", "Jammu and Kashmir", "191", "north", 0.8, (
        ("Gandhi Nagar", "180004"), ("Trikuta Nagar", "180012"))),
    _City("Patna", "Bihar", "612", "east", 2, (
        ("Boring Road", "800001"), ("Kankarbagh", "800020"), ("Rajendra Nagar", "800016"),
        ("Patliputra Colony", "800013"))),
    _City("Ranchi", "Jharkhand", "651", "east", 1, (
        ("Lalpur", "834001"), ("Bariatu", "834009"), ("Doranda", "834002"))),
    _City("Kolkata", "West Bengal", "33", "east", 7, (
        ("Salt Lake", "700091"), ("Park Street", "700016"), ("Ballygunge", "700019"),
        ("Behala", "700034"), ("New Town", "700156"))),
    _City("Bhubaneswar", "Odisha", "674", "east", 1.5, (
        ("Saheed Nagar", "751007"), ("Patia", "751024"), ("Nayapalli", "751012"))),
    _City("Guwahati", "Assam", "361", "east", 1.5, (
        ("Dispur", "781006"), ("Paltan Bazaar", "781008"), ("Beltola", "781028"))),
    _City("Bhopal", "Madhya Pradesh", "755", "north", 1.5, (
        ("Arera Colony", "462016"), ("MP Nagar", "462011"), ("Kolar Road", "462042"))),
    _City("Indore", "Madhya Pradesh", "731", "north", 2, (
        ("Vijay Nagar", "452010"), ("Palasia", "452001"), ("Rajendra Nagar", "452012"))),
    _City("Ahmedabad", "Gujarat", "79", "west", 5, (
        ("Navrangpura", "380009"), ("Satellite", "380015"), ("Maninagar", "380008"),
        ("Bodakdev", "380054"))),
    _City("Surat", "Gujarat", "261", "west", 3, (
        ("Athwa Lines", "395001"), ("Adajan", "395009"), ("Varachha", "395006"))),
    _City("Vadodara", "Gujarat", "265", "west", 2, (
        ("Alkapuri", "390007"), ("Karelibaug", "390018"), ("Manjalpur", "390011"))),
    _City("Rajkot", "Gujarat", "281", "west", 1.5, (
        ("Kalawad Road", "360005"), ("Race Course", "360001"))),
    _City("Panaji", "Goa", "832", "west", 0.8, (
        ("Altinho", "403001"), ("Miramar", "403001"), ("Porvorim", "403521"))),
    _City("Bengaluru", "Karnataka", "80", "south", 8, (
        ("Koramangala", "560034"), ("Jayanagar", "560011"), ("Indiranagar", "560038"),
        ("Whitefield", "560066"), ("Malleshwaram", "560003"), ("HSR Layout", "560102"))),
    _City("Mysuru", "Karnataka", "821", "south", 1.5, (
        ("Saraswathipuram", "570009"), ("Vijayanagar", "570017"), ("Kuvempunagar", "570023"))),
    _City("Mangaluru", "Karnataka", "824", "south", 1.5, (
        ("Hampankatta", "575001"), ("Kadri", "575002"), ("Kankanady", "575002"))),
    _City("Chennai", "Tamil Nadu", "44", "south", 7, (
        ("T. Nagar", "600017"), ("Anna Nagar", "600040"), ("Adyar", "600020"),
        ("Velachery", "600042"), ("Mylapore", "600004"), ("Porur", "600116"))),
    _City("Coimbatore", "Tamil Nadu", "422", "south", 2.5, (
        ("R.S. Puram", "641002"), ("Gandhipuram", "641012"), ("Peelamedu", "641004"),
        ("Saibaba Colony", "641011"))),
    _City("Madurai", "Tamil Nadu", "452", "south", 1.5, (
        ("Anna Nagar", "625020"), ("K.K. Nagar", "625020"), ("Tallakulam", "625002"))),
    _City("Puducherry", "Puducherry", "413", "south", 1, (
        ("White Town", "605001"), ("Lawspet", "605008"))),
    _City("Hyderabad", "Telangana", "40", "south", 7, (
        ("Banjara Hills", "500034"), ("Jubilee Hills", "500033"), ("Ameerpet", "500016"),
        ("Kukatpally", "500072"), ("Secunderabad", "500003"), ("Gachibowli", "500032"))),
    _City("Vijayawada", "Andhra Pradesh", "866", "south", 1.5, (
        ("Benz Circle", "520010"), ("Labbipet", "520010"), ("Governorpet", "520002"))),
    _City("Kochi", "Kerala", "484", "south", 2.5, (
        ("Edappally", "682024"), ("Kadavanthra", "682020"), ("Palarivattom", "682025"),
        ("Ernakulam South", "682016"))),
    _City("Thiruvananthapuram", "Kerala", "471", "south", 1.5, (
        ("Pattom", "695004"), ("Kowdiar", "695003"), ("Ulloor", "695011"))),
    _City("Kozhikode", "Kerala", "495", "south", 1, (
        ("Nadakkavu", "673011"), ("Mavoor Road", "673004"))),
)

# Three-digit mobile series that libphonenumber accepts with any 7-digit tail
# and never mistakes for a landline (many 7x/8x series overlap STD codes),
# weighted towards the 9-series like real subscriber bases.
_MOBILE_SERIES_RANGES = (
    (600, 609), (635, 640), (687, 699), (700, 709), (796, 801), (808, 810), (887, 890), (895, 999),
)
_MOBILE_PREFIXES: tuple[str, ...] = tuple(
    f"+91{series}" for low, high in _MOBILE_SERIES_RANGES for series in range(low, high + 1)
)
_MOBILE_TAIL = 10**7

# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

_FIRST_NAMES: dict[str, tuple[str, ...]] = {
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
_SURNAMES: dict[str, tuple[str, ...]] = {
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
_DOCTOR_HOSPITAL_KINDS = ("Nursing Home", "Hospital", "Maternity Home")
_MEMORIAL_FIRST_NAMES = (
    "Kamla", "Savitri", "Shanti", "Sushila", "Ganga", "Parvati", "Janaki", "Kaushalya",
)

# Invented brands in the style Indian hospitals really use; some repeat often
# ("City", "Sai") so that search and duplicate detection meet common names.
_BRANDS = (
    "Sunrise", "City", "City", "City Care", "Apex", "Lifeline", "Jeevan Rekha", "Sanjeevani",
    "Aarogya", "Sai", "Sai", "Shri Lakshmi", "Sri Krishna", "Shree Ganesh", "Care", "Global",
    "Lotus", "Suraksha", "Amrit", "Navjeevan", "Vatsalya", "Shanti", "Mangal", "Om", "Balaji",
    "Dhanvantari", "Kalpataru", "Asha", "Nirmal", "Metro", "Janani", "Samarpan", "Prerna", "Sparsh",
    "Ankur", "Sterling", "Unity", "Trinity", "Lifecare", "Ganga", "Kaveri", "Narmada", "Sahyadri",
    "Pragati", "Chirayu", "Arogya Dham", "Matruchhaya", "Surya", "Anand", "Mahavir",
    "Venkateshwara", "Annapurna", "New Life", "Prime",
)
_HOSPITAL_KINDS = (
    ("Hospital", 30), ("Multispeciality Hospital", 15), ("Super Speciality Hospital", 6),
    ("Nursing Home", 12), ("Maternity & Nursing Home", 4), ("Children's Hospital", 3),
    ("Eye Hospital", 4), ("Heart Institute", 2), ("Cancer Centre", 2),
    ("Hospital & Research Centre", 3), ("Orthopaedic Hospital", 3), ("Medical Centre", 5),
)
_CLINIC_KINDS = (
    ("Clinic", 20), ("Polyclinic", 8), ("Dental Care", 8), ("IVF Centre", 4), ("Eye Care", 6),
    ("Family Clinic", 6), ("Dialysis Centre", 5), ("Physiotherapy & Rehab Centre", 3),
    ("Skin Clinic", 4),
)
_DOCTOR_SPECIALTIES = (
    "Eye", "Dental", "Skin", "Child", "ENT", "Diabetes", "Heart", "Ortho", "Women's",
)
_LAB_KINDS = (
    ("Diagnostics", 25), ("Path Lab", 15), ("Diagnostic Centre", 15), ("Imaging & Diagnostics", 8),
    ("Scan Centre", 8), ("Clinical Laboratory", 6), ("Pathology Lab", 8),
    ("MRI & CT Scan Centre", 4),
)
_TRADE_WORDS = (
    "Medline", "Medicare", "Medisys", "Bharat", "Hindustan", "Galaxy", "Unique", "Prime",
    "Accurate", "Precision", "Sterling", "Shree Balaji", "Vardhman", "Mahavir", "Jai Ambe", "Surya",
    "Trident", "Pioneer", "Supreme", "National", "Eastern", "Southern", "Western", "Lifeline",
)
_DEALER_KINDS = (
    "Surgicals Pvt Ltd", "Medical Systems", "Healthcare Solutions Pvt Ltd", "Meditech",
    "Surgical Agencies", "Medi Equipments", "Biomedical Services", "Medical Distributors",
)
_MAKER_WORDS = (
    "Axon", "Zenith", "Nova", "Helix", "Vega", "Orbit", "Spectra", "Technomed", "Srijan", "Agni",
    "Bharat", "Medisys",
)
_MAKER_KINDS = (
    "Medical Devices Pvt Ltd", "Biomedical Ltd", "Healthcare Technologies Pvt Ltd",
    "Electro Medicals Pvt Ltd", "Imaging Systems Pvt Ltd", "Lifesciences Ltd",
)
_GROUP_KINDS = (
    ("Healthcare Group", "hospital"), ("Hospitals Ltd", "hospital"), ("Health Network", "hospital"),
    ("Medicare Pvt Ltd", "hospital"), ("Diagnostics Pvt Ltd", "lab"), ("Labs Ltd", "lab"),
)

_STREETS = (
    "MG Road", "Station Road", "Hospital Road", "Main Road", "Ring Road", "Link Road", "Nehru Road",
    "1st Cross", "4th Main Road", "Church Street", "Temple Road", "Market Road", "College Road",
    "Sardar Patel Road", "Tilak Road", "Netaji Subhash Road", "Gandhi Road", "Bypass Road",
)
_BUILDINGS = (
    "Shanti Complex", "Sai Plaza", "Krishna Tower", "Arihant Arcade", "Galaxy Mall",
    "Om Shopping Centre", "Laxmi Chambers",
)
_LANDMARKS = (
    "Bus Stand", "Railway Station", "Ram Mandir", "SBI Bank", "Head Post Office",
    "Municipal Market", "Police Station", "Clock Tower",
)
_FREE_MAIL = (
    "gmail.com", "gmail.com", "gmail.com", "gmail.com", "yahoo.co.in", "rediffmail.com",
    "outlook.com", "hotmail.com",
)
_ORG_MAIL_BOXES = (
    "info", "contact", "admin", "accounts", "care", "biomedical", "purchase", "service",
)
_TLDS = ("com", "com", "in", "co.in", "org")

_TYPE_WEIGHTS = (
    ("hospital", 30), ("clinic", 25), ("lab", 15), ("dealer", 9), ("manufacturer", 4),
    ("individual", 17),
)
_LANDLINE_SHARE = {
    "hospital": 0.45,
    "clinic": 0.2,
    "lab": 0.3,
    "dealer": 0.35,
    "manufacturer": 0.6,
    "individual": 0.0,
}
_GST_SHARE = {
    "hospital": 0.9,
    "clinic": 0.6,
    "lab": 0.85,
    "dealer": 0.99,
    "manufacturer": 1.0,
    "individual": 0.0,
}
# PAN 4th character: C company, F firm, T trust, P proprietor, A association.
_PAN_HOLDERS = {
    "hospital": "CCCCTTTTFFP",
    "clinic": "PPPPPPFFFC",
    "lab": "CCCCFFFPPP",
    "dealer": "CCCCCFFFFP",
    "manufacturer": "C",
    "individual": "P",
}
_TAGS = {
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
_COMMON_TAGS = ("amc", "cmc", "warranty", "key-account", "priority-support", "rural", "cash-only")
_BLOCKED_REASONS = (
    "Payment overdue beyond 180 days", "Repeated cheque bounce", "Legal dispute over AMC contract",
    "Service refused after abusive conduct towards engineer",
    "GST registration cancelled; awaiting new GSTIN",
)
_DUPLICATE_REASON = "Duplicate of an existing customer record"
_TIERS = ("standard",) * 60 + ("premium",) * 34 + ("vip",) * 6
_GROUP_TIERS = ("premium",) * 7 + ("vip",) * 3
_TIERS_BY_TYPE = {
    "hospital": _TIERS,
    "clinic": _TIERS,
    "lab": _TIERS,
    "dealer": _TIERS,
    "manufacturer": ("standard", "premium", "premium", "premium", "vip"),
    "individual": ("standard",) * 8 + ("premium",) * 2,
}
# fmt: on


def _expand(weighted: Sequence[tuple[str, int]]) -> tuple[str, ...]:
    """Repeat each item by its weight: a uniform pick is then weighted (and beats choices())."""
    return tuple(item for item, weight in weighted for _ in range(weight))


_CUSTOMER_TYPES = _expand(_TYPE_WEIGHTS)
_HOSPITAL_KIND_POOL = _expand(_HOSPITAL_KINDS)
_CLINIC_KIND_POOL = _expand(_CLINIC_KINDS)
_LAB_KIND_POOL = _expand(_LAB_KINDS)
_CITY_POOL: tuple[_City, ...] = tuple(
    city for city in _CITIES for _ in range(round(city.weight * 10))
)
_STATE_CODES = {city.state: code for city in _CITIES if (code := state_code_for(city.state))}
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ENTITY_CHARS = "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_NAME_NOISE = frozenset({"dr.", "shri", "sri", "shree", "smt.", "the"})


# --------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------


class _ShuffledCounter:
    """Hands out every value of range(size) exactly once, in a keyed pseudo-random order.

    Phones, PANs and serial numbers must never collide however many rows are
    generated, yet should look random; random draws collide (birthday
    paradox), a shuffled counter cannot.  Rounds of xorshift, odd multiply and
    add are each invertible modulo 2**bits; values that land outside
    range(size) are walked round the cycle until they land inside.
    """

    __slots__ = ("_keys", "_mask", "_next", "_shift", "_size")

    def __init__(self, size: int, rng: random.Random) -> None:
        bits = max(size - 1, 1).bit_length()
        self._size = size
        self._next = 0
        self._mask = (1 << bits) - 1
        self._shift = max(bits // 2, 1)
        self._keys = tuple((rng.getrandbits(bits) | 1, rng.getrandbits(bits)) for _ in range(3))

    @property
    def exhausted(self) -> bool:
        return self._next >= self._size

    def take(self) -> int:
        """The next value; raises OverflowError once all of range(size) is used."""
        if self.exhausted:
            raise OverflowError(f"all {self._size} unique values are used")
        value, mask, shift, size = self._next, self._mask, self._shift, self._size
        self._next += 1
        while True:
            for multiplier, offset in self._keys:
                value = ((value ^ (value >> shift)) * multiplier + offset) & mask
            if value < size:
                return value


def _uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID drawn from the seeded generator, so ids replay with the data."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _slug(text: str) -> str:
    """Lower-case ASCII letters and digits only, for e-mail addresses and domains."""
    return _NOT_SLUG.sub("", text.lower())


def _person(rng: random.Random, region: str) -> tuple[str, str]:
    """A (first, last) name, mostly from the city's region as in real customer lists."""
    first_pool = region if rng.random() < 0.8 else "any"
    last_pool = first_pool if rng.random() < 0.9 else "any"
    return rng.choice(_FIRST_NAMES[first_pool]), rng.choice(_SURNAMES[last_pool])


def _random_mobile(rng: random.Random) -> str:
    """Any valid mobile number; used where uniqueness does not matter."""
    return f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(_MOBILE_TAIL):07d}"


class _PanSpace:
    """Unique PANs (GSTIN characters 3-12) for everyone registered under one seed.

    The random part of a PAN is 3 letters, 4 digits and a letter; shuffling a
    counter over that space makes every GSTIN in the dataset distinct.
    """

    __slots__ = ("_values",)

    def __init__(self, rng: random.Random) -> None:
        self._values = _ShuffledCounter(26**4 * 10**4, rng)

    def take(self, holder: str, name: str) -> str:
        """Next PAN for a holder type; its 5th letter is the name's initial, as on real PANs."""
        value, last = divmod(self._values.take(), 26)
        value, digits = divmod(value, 10**4)
        head = _LETTERS[value // 676] + _LETTERS[value // 26 % 26] + _LETTERS[value % 26]
        return f"{head}{holder}{_initial(name)}{digits:04d}{_LETTERS[last]}"


def _initial(name: str) -> str:
    """First letter of the significant part of a name ("Dr. Mehta's..." -> "M")."""
    for word in name.split():
        if word.lower() not in _NAME_NOISE and word[0].isalpha():
            return word[0].upper()
    return "X"


def _gstin(state: str, pan: str, entity: str) -> str:
    """Assemble a GSTIN with the correct check character for a state and PAN."""
    first14 = f"{_STATE_CODES[state]}{pan}{entity}Z"
    return first14 + gstin_check_char(first14)


class _OrgPlan(NamedTuple):
    organization: DemoOrganization
    brand: str
    kind: str  # hospital or lab: what its branches are
    cities: tuple[_City, ...]
    pan: str
    domain: str


def _plan_organizations(seed: int, n_customers: int, pans: _PanSpace) -> list[_OrgPlan]:
    """Hospital groups and diagnostic chains: one per hundred customers, at most ~300 names.

    Both ``generate`` and ``iter_customers`` rebuild the same plans from the
    seed, so streamed customers reference exactly the organisations that
    ``generate`` returns; the plans take the first PANs from ``pans``.
    """
    rng = random.Random(f"{_NAMESPACE}:{seed}:organizations")
    names = sorted({(brand, group) for brand in _BRANDS for group in _GROUP_KINDS})
    count = min(len(names), n_customers // 100 if n_customers >= 100 else int(n_customers >= 30))
    plans = []
    for brand, (group, kind) in rng.sample(names, count):
        name = f"{brand} {group}"
        plans.append(
            _OrgPlan(
                organization=DemoOrganization(id=_uuid(rng), name=name),
                brand=brand,
                kind=kind,
                cities=tuple(rng.sample(_CITIES, rng.randint(2, 8))),
                pan=pans.take("C", name),
                domain=f"{_slug(brand)}{kind}s.{rng.choice(_TLDS)}",
            )
        )
    return plans


def _pan_space(seed: int) -> _PanSpace:
    """The one PAN space shared by organisations and standalone customers of a seed."""
    return _PanSpace(random.Random(f"{_NAMESPACE}:{seed}:pan"))


# --------------------------------------------------------------------------
# Customers
# --------------------------------------------------------------------------

# fmt: off
# (original, variant) spellings that real duplicate records differ by.
_SPELLING_VARIANTS = (
    ("Pvt Ltd", "Pvt. Ltd."), ("Multispeciality", "Multi Speciality"), (" & ", " and "),
    ("Dr. ", "Dr "), ("Hospital", "Hosp."), ("Diagnostics", "Diagnostic"), ("Centre", "Center"),
    ("Nursing Home", "N. Home"), ("Shri ", "Sri "), ("Laboratory", "Lab"),
)
# fmt: on


class _CustomerFactory:
    """Stateful source of customers: counters keep phones and GSTINs unique as it streams."""

    def __init__(self, seed: int, n: int) -> None:
        self._rng = random.Random(f"{_NAMESPACE}:{seed}:customers")
        keys = random.Random(f"{_NAMESPACE}:{seed}:phone-keys")
        self._pans = _pan_space(seed)
        self._plans = _plan_organizations(seed, n, self._pans)
        self._mobiles = _ShuffledCounter(len(_MOBILE_PREFIXES) * _MOBILE_TAIL, keys)
        # Keyed by STD code, not city: Mumbai and Thane share 022.
        stds = sorted({city.std_code for city in _CITIES})
        self._landlines = {std: _ShuffledCounter(10 ** (9 - len(std)), keys) for std in stds}
        self._branch_entities: dict[tuple[str, str], int] = {}
        self._recent: deque[DemoCustomer] = deque(maxlen=64)

    def build(self) -> DemoCustomer:
        """Next customer; about 2% are inactive/blocked duplicates of a recent active one."""
        if self._recent and self._rng.random() < 0.02:
            return self._duplicate()
        customer = self._fresh()
        if customer.status == "active":
            self._recent.append(customer)
        return customer

    def _fresh(self) -> DemoCustomer:
        """A new customer: standalone, or now and then a branch of an organisation."""
        rng = self._rng
        rand = rng.random
        customer_type = rng.choice(_CUSTOMER_TYPES)
        plan = None
        if self._plans and customer_type in ("hospital", "lab") and rand() < 0.15:
            plan = rng.choice(self._plans)
            customer_type = plan.kind
        city = rng.choice(plan.cities) if plan else rng.choice(_CITY_POOL)
        locality, pincode = rng.choice(city.localities)
        name = self._branch_name(plan, city, locality) if plan else _name(rng, customer_type, city)
        mailbox_suffix = f".{_slug(locality)}" if plan else ""
        primary, primary_is_mobile = self._primary_phone(customer_type, city)
        secondary = _random_mobile(rng) if rand() < 0.35 else None
        status = "active" if rand() < 0.945 else ("inactive" if rand() < 0.65 else "blocked")
        display_name = None
        if rand() < 0.3:
            display_name = f"{plan.brand} {locality}" if plan else _short_name(name)
        street = None
        if customer_type != "individual" or rand() < 0.7:
            street = _street_address(rng, city)
        if rand() < 0.3:
            locality = f"Near {rng.choice(_LANDMARKS)}, {locality}"
        return DemoCustomer(
            id=_uuid(rng),
            organization_id=plan.organization.id if plan else None,
            customer_type=customer_type,
            name=name,
            display_name=display_name,
            primary_phone=primary,
            secondary_phone=secondary,
            whatsapp_number=_whatsapp(rng, primary, primary_is_mobile, secondary),
            primary_email=self._email(customer_type, name, plan, mailbox_suffix),
            address_line1=street,
            address_line2=locality,
            city=city.name,
            state=city.state,
            postal_code=pincode,
            tax_id=self._gstin(customer_type, name, city, plan),
            tier=rng.choice(_GROUP_TIERS if plan else _TIERS_BY_TYPE[customer_type]),
            status=status,
            blocked_reason=rng.choice(_BLOCKED_REASONS) if status == "blocked" else None,
            tags=_tags(rng, customer_type),
            created_at=REFERENCE_TIME - _HISTORY * rand() ** 1.5,
        )

    def _duplicate(self) -> DemoCustomer:
        """A re-keyed copy of a recent active customer, as made by a hurried data-entry clerk.

        It shares the original's phone, so it is never active (the database
        allows one active customer per primary phone).
        """
        rng = self._rng
        original = rng.choice(self._recent)
        blocked = rng.random() < 0.4
        age = REFERENCE_TIME - original.created_at
        return DemoCustomer(
            id=_uuid(rng),
            organization_id=original.organization_id,
            customer_type=original.customer_type,
            name=_misspell(rng, original.name),
            display_name=None,
            primary_phone=original.primary_phone,
            secondary_phone=None,
            whatsapp_number=original.whatsapp_number,
            primary_email=original.primary_email if rng.random() < 0.5 else None,
            address_line1=original.address_line1,
            address_line2=original.address_line2,
            city=original.city,
            state=original.state,
            postal_code=original.postal_code,
            tax_id=None,
            tier="standard",
            status="blocked" if blocked else "inactive",
            blocked_reason=_DUPLICATE_REASON if blocked else None,
            tags=(),
            created_at=original.created_at + age * rng.random(),
        )

    def _primary_phone(self, customer_type: str, city: _City) -> tuple[str, bool]:
        """A phone no other customer of this seed has, and whether it is a mobile.

        Hospitals and firms often list the city landline (STD code, then a
        BSNL-style number starting with 2); everyone else a mobile.
        """
        std = city.std_code
        landlines = self._landlines[std]
        if not landlines.exhausted and self._rng.random() < _LANDLINE_SHARE[customer_type]:
            return f"+91{std}2{landlines.take():0{9 - len(std)}d}", False
        series, tail = divmod(self._mobiles.take(), _MOBILE_TAIL)
        return f"{_MOBILE_PREFIXES[series]}{tail:07d}", True

    def _branch_name(self, plan: _OrgPlan, city: _City, locality: str) -> str:
        """Group brand plus where the branch is, e.g. "Sunrise Hospital, Koramangala"."""
        rng = self._rng
        if plan.kind == "lab":
            kind = rng.choice(("Diagnostics", "Diagnostic Centre", "Path Lab"))
        else:
            kind = rng.choice(
                ("Hospital", "Hospitals", "Multispeciality Hospital", "Super Speciality Hospital")
            )
        where = locality if rng.random() < 0.6 else city.name
        separator = ", " if rng.random() < 0.5 else " - "
        return f"{plan.brand} {kind}{separator}{where}"

    def _email(
        self, customer_type: str, name: str, plan: _OrgPlan | None, mailbox_suffix: str
    ) -> str | None:
        """Branches use the group domain, firms their own, doctors and small clinics free mail."""
        rng = self._rng
        roll = rng.random()
        if roll < 0.08:
            return None
        if plan:
            return f"{rng.choice(_ORG_MAIL_BOXES)}{mailbox_suffix}@{plan.domain}"
        if customer_type in ("individual", "clinic") or name.startswith("Dr.") or roll < 0.3:
            handle = ".".join(filter(None, (_slug(word) for word in name.split()[:3])))
            suffix = str(rng.randrange(1, 100)) if rng.random() < 0.5 else ""
            return f"{handle}{suffix}@{rng.choice(_FREE_MAIL)}"
        domain = _slug(" ".join(name.split()[:2]))
        return f"{rng.choice(_ORG_MAIL_BOXES)}@{domain}.{rng.choice(_TLDS)}"

    def _gstin(
        self, customer_type: str, name: str, city: _City, plan: _OrgPlan | None
    ) -> str | None:
        """Branches share their group's PAN with one registration number per state branch."""
        if plan:
            key = (plan.pan, city.state)
            branch = self._branch_entities.get(key, 0)
            if branch >= len(_ENTITY_CHARS):
                return None
            self._branch_entities[key] = branch + 1
            return _gstin(city.state, plan.pan, _ENTITY_CHARS[branch])
        if self._rng.random() >= _GST_SHARE[customer_type]:
            return None
        pan = self._pans.take(self._rng.choice(_PAN_HOLDERS[customer_type]), name)
        return _gstin(city.state, pan, "1" if self._rng.random() < 0.9 else "2")


def _name(rng: random.Random, customer_type: str, city: _City) -> str:
    """A business or doctor name in the patterns Indian healthcare actually uses."""
    roll = rng.random()
    if customer_type == "hospital":
        if roll < 0.7:
            return f"{rng.choice(_BRANDS)} {rng.choice(_HOSPITAL_KIND_POOL)}"
        if roll < 0.8:
            return f"Dr. {_person(rng, city.region)[1]}'s {rng.choice(_DOCTOR_HOSPITAL_KINDS)}"
        if roll < 0.83:
            return f"{rng.choice(_MEMORIAL_FIRST_NAMES)} Devi Memorial Hospital"
        if roll < 0.9:
            return f"{_person(rng, city.region)[1]} Memorial Hospital"
        return f"{city.name} {rng.choice(_HOSPITAL_KIND_POOL)}"
    if customer_type == "clinic":
        if roll < 0.4:
            return f"Dr. {_person(rng, city.region)[1]}'s {rng.choice(_DOCTOR_SPECIALTIES)} Clinic"
        return f"{rng.choice(_BRANDS)} {rng.choice(_CLINIC_KIND_POOL)}"
    if customer_type == "lab":
        if roll < 0.85:
            return f"{rng.choice(_BRANDS)} {rng.choice(_LAB_KIND_POOL)}"
        return f"Dr. {_person(rng, city.region)[1]}'s Pathology Lab"
    if customer_type == "dealer":
        if roll < 0.8:
            return f"{rng.choice(_TRADE_WORDS)} {rng.choice(_DEALER_KINDS)}"
        return f"{_person(rng, city.region)[1]} Medical Agencies"
    if customer_type == "manufacturer":
        return f"{rng.choice(_MAKER_WORDS)} {rng.choice(_MAKER_KINDS)}"
    first, last = _person(rng, city.region)
    return f"Dr. {first} {last}"


def _short_name(name: str) -> str | None:
    """The name staff actually use: "SMH" for Sunrise Multispeciality Hospital, no "Pvt Ltd"."""
    trade_name = name.removesuffix(" Pvt Ltd").removesuffix(" Ltd")
    if trade_name != name:
        return trade_name
    words = name.split()
    if name.startswith("Dr.") or len(words) < 3:
        return None
    return "".join(word[0] for word in words if word[0].isupper())


def _misspell(rng: random.Random, name: str) -> str:
    """Re-type a name the way duplicates differ: punctuation, abbreviations, case."""
    for original, variant in rng.sample(_SPELLING_VARIANTS, len(_SPELLING_VARIANTS)):
        if original in name:
            return name.replace(original, variant, 1)
    return name.upper()


def _whatsapp(
    rng: random.Random, primary: str, primary_is_mobile: bool, secondary: str | None
) -> str | None:
    """WhatsApp needs a mobile: usually the primary mobile, else the (mobile) secondary one."""
    if primary_is_mobile and rng.random() < 0.8:
        return primary
    if secondary and rng.random() < 0.7:
        return secondary
    return _random_mobile(rng) if rng.random() < 0.3 else None


def _street_address(rng: random.Random, city: _City) -> str:
    """First address line in one of the common Indian layouts."""
    roll = rng.random()
    number = rng.randint(1, 250)
    if roll < 0.3:
        return f"{number}, {rng.choice(_STREETS)}"
    if roll < 0.5:
        return f"Plot No. {number}, {rng.choice(_STREETS)}"
    if roll < 0.65:
        return f"{rng.choice(('Ground', '1st', '2nd', '3rd'))} Floor, {rng.choice(_BUILDINGS)}"
    if roll < 0.8 and city.region == "south":
        return f"Door No. {rng.randint(1, 12)}-{rng.randint(1, 9)}-{number}, {rng.choice(_STREETS)}"
    return f"{number}/{rng.randint(1, 20)}, {rng.choice(_STREETS)}"


def _tags(rng: random.Random, customer_type: str) -> tuple[str, ...]:
    """Zero to three tags from the customer type's own list and the common ones."""
    count = rng.choice((0, 0, 1, 1, 1, 2, 2, 3))
    if not count:
        return ()
    return tuple(sorted(rng.sample(_TAGS[customer_type] + _COMMON_TAGS, count)))


def iter_customers(*, n: int, seed: int = 7) -> Iterator[DemoCustomer]:
    """Stream ``n`` customers for ``seed``; memory stays flat even for millions of rows."""
    if n < 0:
        raise ValueError("n must not be negative")
    factory = _CustomerFactory(seed, n)
    return (factory.build() for _ in range(n))


# --------------------------------------------------------------------------
# Contacts, equipment and tickets
# --------------------------------------------------------------------------


class _Model(NamedTuple):
    category: str
    manufacturer: str
    model: str
    serial_prefix: str


class _Fault(NamedTuple):
    title: str
    detail: str
    priority: str


# fmt: off
_CATALOG: dict[str, tuple[_Model, ...]] = {
    "MRI": (
        _Model("MRI", "GE Healthcare", "SIGNA Explorer 1.5T", "GEMR"),
        _Model("MRI", "Siemens Healthineers", "MAGNETOM Sempra 1.5T", "SHMR"),
        _Model("MRI", "Philips", "Ingenia 1.5T", "PHMR"),
    ),
    "CT": (
        _Model("CT", "GE Healthcare", "Revolution ACT", "GECT"),
        _Model("CT", "Siemens Healthineers", "SOMATOM go.Now", "SHCT"),
        _Model("CT", "Philips", "Incisive CT", "PHCT"),
        _Model("CT", "Canon Medical", "Aquilion Lightning", "CMCT"),
    ),
    "X-ray": (
        _Model("X-ray", "Siemens Healthineers", "Multix Fusion", "SHXR"),
        _Model("X-ray", "Philips", "DigitalDiagnost C90", "PHXR"),
        _Model("X-ray", "Fujifilm", "FDR Smart X", "FJXR"),
        _Model("X-ray", "Allengers", "MARS 60 DR", "ALXR"),
    ),
    "Ventilator": (
        _Model("Ventilator", "Hamilton Medical", "HAMILTON-C3", "HMVT"),
        _Model("Ventilator", "Draeger", "Savina 300", "DRVT"),
        _Model("Ventilator", "Mindray", "SV300", "MRVT"),
    ),
    "Patient monitor": (
        _Model("Patient monitor", "Mindray", "ePM 10", "MRPM"),
        _Model("Patient monitor", "Philips", "IntelliVue MX450", "PHPM"),
        _Model("Patient monitor", "Nihon Kohden", "Life Scope BSM-3562", "NKPM"),
    ),
    "Infusion pump": (
        _Model("Infusion pump", "B. Braun", "Infusomat Space", "BBIP"),
        _Model("Infusion pump", "Fresenius Kabi", "Agilia VP", "FKIP"),
        _Model("Infusion pump", "Mindray", "BeneFusion VP3", "MRIP"),
    ),
    "ECG": (
        _Model("ECG", "BPL Medical Technologies", "Cardiart 9108", "BPEC"),
        _Model("ECG", "Schiller", "Cardiovit AT-102 G2", "SCEC"),
        _Model("ECG", "GE Healthcare", "MAC 2000", "GEEC"),
    ),
    "Ultrasound": (
        _Model("Ultrasound", "GE Healthcare", "LOGIQ P9", "GEUS"),
        _Model("Ultrasound", "Samsung Medison", "HS40", "SMUS"),
        _Model("Ultrasound", "Philips", "Affiniti 50", "PHUS"),
        _Model("Ultrasound", "Mindray", "DC-70", "MRUS"),
    ),
    "Dialysis": (
        _Model("Dialysis", "Fresenius Medical Care", "4008S", "FMDL"),
        _Model("Dialysis", "Nipro", "Surdial X", "NPDL"),
        _Model("Dialysis", "B. Braun", "Dialog+", "BBDL"),
    ),
    "Lab analyser": (
        _Model("Lab analyser", "Sysmex", "XN-550", "SYLA"),
        _Model("Lab analyser", "Roche Diagnostics", "cobas c 311", "RDLA"),
        _Model("Lab analyser", "Beckman Coulter", "DxH 500", "BCLA"),
    ),
}

_FAULTS: dict[str, tuple[_Fault, ...]] = {
    "MRI": (
        _Fault("Helium level dropping faster than normal",
            "Helium fell from 78% to 71% in two weeks and the cold head sounds irregular.", "high"),
        _Fault("Cold head compressor tripping",
            "Compressor trips every few hours; chiller shows high water temperature.", "critical"),
        _Fault("Gradient amplifier fault during scan",
            "Brain protocol aborts midway with a gradient amplifier fault.", "critical"),
        _Fault("Head/neck coil not detected",
            "Coil not detected after table docking; other coils work.", "high"),
    ),
    "CT": (
        _Fault("Tube arcing error during helical scan",
            "Tube arcs at 120 kV and the scan aborts; three patients rescheduled.", "critical"),
        _Fault("Gantry rotation fault",
            "Gantry stops with a rotation controller error after warm-up.", "critical"),
        _Fault("Ring artefacts in axial images",
            "Concentric rings on abdomen studies; air calibration did not clear them.", "high"),
        _Fault("Patient table stuck",
            "Table will not move in or out; manual release works.", "high"),
    ),
    "X-ray": (
        _Fault("No exposure on pressing hand switch",
            "Prep completes but no exposure; generator shows an error.", "high"),
        _Fault("Flat panel detector not connecting",
            "DR detector shows disconnected and wireless pairing fails.", "high"),
        _Fault("Collimator lamp not working",
            "Light-field lamp fused, positioning is guesswork.", "low"),
        _Fault("Tube heat warning in OPD hours",
            "Heat-unit warning after 20-25 exposures.", "medium"),
    ),
    "Ventilator": (
        _Fault("'O2 sensor failed' alarm",
            "Continuous O2 sensor alarm; FiO2 not displayed.", "critical"),
        _Fault("Flow sensor calibration failing",
            "Calibration fails repeatedly, even with a new flow sensor.", "high"),
        _Fault("High pressure alarm without cause",
            "High pressure alarm in volume mode with a normal circuit.", "critical"),
        _Fault("Battery backup not holding",
            "Unit shuts down within 5 minutes on battery during power cuts.", "high"),
    ),
    "Patient monitor": (
        _Fault("SpO2 readings erratic",
            "SpO2 swings between 80 and 99% on stable patients; probe replaced.", "medium"),
        _Fault("NIBP module error",
            "NIBP fails with a module error; cuff inflates only partly.", "medium"),
        _Fault("Display flickering",
            "Screen flickers and goes blank intermittently in the ICU.", "medium"),
        _Fault("Continuous ECG lead-off alarm",
            "Lead-off alarm although all leads are connected.", "low"),
    ),
    "Infusion pump": (
        _Fault("Occlusion alarm without occlusion",
            "Downstream occlusion alarm at low rates with new line sets.", "medium"),
        _Fault("Flow rate inaccurate",
            "Ward audit found delivered volume 10-15% below programmed.", "high"),
        _Fault("Door open alarm", "Door latch not sensed; pump refuses to start.", "medium"),
        _Fault("Battery not charging", "Battery shows empty even after overnight charging.", "low"),
    ),
    "ECG": (
        _Fault("Thermal printer not printing",
            "Paper feeds but prints blank; staff cleaned the head.", "low"),
        _Fault("Baseline noise on all leads",
            "Heavy baseline wander and 50 Hz noise; earthing checked.", "medium"),
        _Fault("Patient cable damaged",
            "Cable connector cracked; replacement cable requested.", "low"),
    ),
    "Ultrasound": (
        _Fault("Convex probe showing dead elements",
            "Dark vertical bands with the convex probe; linear probe fine.", "high"),
        _Fault("System hangs at boot", "Stuck at the logo screen since a power failure.", "high"),
        _Fault("Image quality degraded",
            "Grainy images at all depths; resetting presets did not help.", "medium"),
        _Fault("DICOM export to PACS failing",
            "Studies stopped reaching PACS after a network change.", "medium"),
    ),
    "Dialysis": (
        _Fault("Conductivity alarm during treatment",
            "Alarm mid-session; concentrate and RO water checked.", "critical"),
        _Fault("Blood leak detector false alarms",
            "Blood leak alarm with no visible leak; sessions interrupted.", "high"),
        _Fault("Heat disinfection not completing",
            "Disinfection aborts at 60% without reaching temperature.", "medium"),
    ),
    "Lab analyser": (
        _Fault("QC out of range after reagent lot change",
            "Level 2 control out of range for glucose and creatinine.", "high"),
        _Fault("Sample aspiration error",
            "Short-sample errors on most samples; probe cleaned.", "high"),
        _Fault("Reagent probe clogging",
            "Probe clogs repeatedly; a backlog of 80 samples.", "critical"),
    ),
}
# Requests that are about the account or contract rather than one unit.
_GENERAL_FAULTS = (
    _Fault("Preventive maintenance visit due under AMC",
        "Quarterly PM is due as per the AMC schedule; please confirm the engineer's date.", "low"),
    _Fault("Quotation requested for CMC renewal",
        "CMC expires next month; customer wants a revised quotation including spares.", "low"),
    _Fault("Site readiness check before installation",
        "Power, earthing and air-conditioning to be verified before the new unit is installed.",
        "medium"),
    _Fault("Calibration certificates needed for NABH audit",
        "NABH audit next week; certificates for all critical equipment required.", "medium"),
    _Fault("Application training for new staff",
        "New technicians joined; customer requests an application training session.", "low"),
    _Fault("Invoice discrepancy on last service visit",
        "Customer disputes a spare charged on the last invoice as it is covered under CMC.", "low"),
    _Fault("Shifting equipment to the new ICU wing",
        "Engineer needed to dismantle and re-install equipment in the new wing.", "medium"),
)
_IMPACTS = (
    "Unit out of use; patients are being referred elsewhere.", "Unit in use with a workaround.",
    "Intermittent; happened three times this week.", "Backup unit in service for now.",
)
_CONTEXTS = (
    "Unit under CMC.", "Unit under warranty.",
    "Out of warranty; customer wants an estimate before the visit.",
    "Engineer visit requested before Monday.", "Second complaint this month.", "",
)
_PRIORITIES = ("low", "medium", "high", "critical")
_RESOLUTION_HOURS = {"critical": 10.0, "high": 30.0, "medium": 72.0, "low": 160.0}

_CATEGORIES_BY_TYPE = {
    "hospital": _expand(
        (
            ("Patient monitor", 25),
            ("Ventilator", 15),
            ("Infusion pump", 15),
            ("ECG", 10),
            ("X-ray", 10),
            ("Ultrasound", 10),
            ("CT", 5),
            ("MRI", 3),
            ("Dialysis", 7),
        )
    ),
    "clinic": _expand(
        (("ECG", 30), ("Ultrasound", 30), ("Patient monitor", 15), ("X-ray", 10), ("Dialysis", 15))
    ),
    "lab": _expand(
        (
            ("Lab analyser", 40),
            ("Ultrasound", 20),
            ("X-ray", 20),
            ("CT", 10),
            ("MRI", 5),
            ("ECG", 5),
        )
    ),
    "dealer": tuple(_CATALOG),
    "manufacturer": tuple(_CATALOG),
    "individual": _expand((("ECG", 5), ("Ultrasound", 3), ("Patient monitor", 2))),
}
_UNITS_PER_CUSTOMER = {
    "hospital": (1, 2, 2, 3, 4, 6),
    "clinic": (0, 1, 1, 2),
    "lab": (1, 2, 3, 4),
    "dealer": (0, 0, 1, 2),
    "manufacturer": (0, 1, 2),
    "individual": (0, 0, 1),
}
_CONTACTS_PER_CUSTOMER = {
    "hospital": (1, 1, 2, 2, 3),
    "clinic": (0, 1, 1, 2),
    "lab": (1, 1, 2),
    "dealer": (1, 2),
    "manufacturer": (1, 2, 3),
    "individual": (0, 0, 1),
}
_ROLES = {
    "hospital": (
        "Biomedical Engineer", "Biomedical Engineer", "Purchase Manager", "Medical Superintendent",
        "Administrator", "ICU In-charge", "Radiology In-charge", "Nursing Superintendent",
        "Accounts Manager",
    ),
    "clinic": ("Owner", "Doctor", "Clinic Manager", "Receptionist"),
    "lab": ("Lab Manager", "Pathologist", "Radiologist", "Lab Technician", "Accounts"),
    "dealer": ("Proprietor", "Service Manager", "Sales Executive", "Accounts"),
    "manufacturer": ("Service Head", "Regional Manager", "Application Specialist"),
    "individual": ("Assistant", "Receptionist"),
}
# fmt: on


_DOCTOR_ROLES = frozenset(
    {"Medical Superintendent", "Doctor", "Owner", "Pathologist", "Radiologist"}
)
_CITY_BY_NAME = {city.name: city for city in _CITIES}
_MODEL_BY_NAME = {model.model: model for models in _CATALOG.values() for model in models}
_INSTALL_HISTORY = timedelta(days=5 * 365)


class _TicketDraft(NamedTuple):
    """A ticket before numbering: numbers follow creation order, known only at the end."""

    id: uuid.UUID
    customer_id: uuid.UUID
    equipment_id: uuid.UUID | None
    title: str
    description: str | None
    status: str
    priority: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


def _contacts_for(rng: random.Random, customer: DemoCustomer) -> list[DemoContact]:
    """The people a service desk calls at this customer, on its mail domain when it has one."""
    region = _CITY_BY_NAME[customer.city].region
    domain = customer.primary_email.partition("@")[2] if customer.primary_email else ""
    own_domain = bool(domain) and domain not in _FREE_MAIL
    contacts = []
    for _ in range(rng.choice(_CONTACTS_PER_CUSTOMER[customer.customer_type])):
        first, last = _person(rng, region)
        role = rng.choice(_ROLES[customer.customer_type]) if rng.random() < 0.9 else None
        phone = _random_mobile(rng) if rng.random() < 0.9 else None
        handle = f"{_slug(first)}.{_slug(last)}"
        email = None
        if rng.random() < 0.85:
            email = (
                f"{handle}@{domain}"
                if own_domain
                else f"{handle}{rng.randrange(1, 100)}@{rng.choice(_FREE_MAIL)}"
            )
        contacts.append(
            DemoContact(
                id=_uuid(rng),
                customer_id=customer.id,
                name=f"Dr. {first} {last}" if role in _DOCTOR_ROLES else f"{first} {last}",
                role=role,
                phone=phone,
                email=email,
                whatsapp=phone if phone and rng.random() < 0.7 else None,
            )
        )
    return contacts


def _equipment_for(
    rng: random.Random,
    customer: DemoCustomer,
    contacts: Sequence[DemoContact],
    serials: _ShuffledCounter,
) -> list[DemoEquipment]:
    """Installed units by customer type; dealers' demo and rental units sit at other cities."""
    units = []
    installable_from = customer.created_at - _INSTALL_HISTORY
    for _ in range(rng.choice(_UNITS_PER_CUSTOMER[customer.customer_type])):
        model = rng.choice(_CATALOG[rng.choice(_CATEGORIES_BY_TYPE[customer.customer_type])])
        city = _CITY_BY_NAME[customer.city]
        if customer.customer_type == "dealer" and rng.random() < 0.5:
            city = rng.choice(_CITY_POOL)
        installed = (installable_from + (REFERENCE_TIME - installable_from) * rng.random()).date()
        units.append(
            DemoEquipment(
                id=_uuid(rng),
                customer_id=customer.id,
                contact_id=rng.choice(contacts).id if contacts and rng.random() < 0.7 else None,
                serial_number=f"{model.serial_prefix}{installed:%y}{serials.take():08d}",
                model=model.model,
                manufacturer=model.manufacturer,
                installation_city=city.name,
                installation_state=city.state,
                installed_at=installed,
            )
        )
    return units


def _ticket_weight(customer: DemoCustomer, units: Sequence[DemoEquipment]) -> float:
    """Relative ticket volume: more units and a longer history mean more calls."""
    tenure = (REFERENCE_TIME - customer.created_at) / _HISTORY
    return (1 + len(units)) * (0.05 + tenure)


def _ticket_count(rng: random.Random, expected: float) -> int:
    """A skewed count with the given mean: most customers call rarely, a few very often."""
    if expected <= 0:
        return 0
    return int(rng.expovariate(1 / expected) + rng.random())


def _priority(rng: random.Random, usual: str) -> str:
    """Mostly the fault's usual priority; sometimes a step up or down, as callers differ."""
    level = _PRIORITIES.index(usual) + rng.choice((-1, 0, 0, 0, 0, 0, 1))
    return _PRIORITIES[min(max(level, 0), len(_PRIORITIES) - 1)]


def _draft_ticket(
    rng: random.Random,
    customer: DemoCustomer,
    units: Sequence[DemoEquipment],
    contacts: Sequence[DemoContact],
) -> _TicketDraft:
    """One service request, raised after the customer (and unit) existed, before REFERENCE_TIME."""
    unit = rng.choice(units) if units and rng.random() < 0.85 else None
    earliest = customer.created_at
    if unit:
        model = _MODEL_BY_NAME[unit.model]
        fault = rng.choice(_FAULTS[model.category])
        title = rng.choice(
            (fault.title, f"{model.category}: {fault.title}", f"{unit.model} - {fault.title}")
        )
        installed = datetime(
            unit.installed_at.year, unit.installed_at.month, unit.installed_at.day, tzinfo=UTC
        )
        earliest = max(earliest, installed)
        detail = f"{fault.detail} {rng.choice(_IMPACTS)} {rng.choice(_CONTEXTS)}"
    else:
        fault = rng.choice(_GENERAL_FAULTS)
        title = fault.title
        detail = fault.detail
    earliest = min(earliest, REFERENCE_TIME)
    created = earliest + (REFERENCE_TIME - earliest) * rng.random()
    priority = _priority(rng, fault.priority)
    resolved = created + timedelta(hours=0.5 + rng.expovariate(1 / _RESOLUTION_HOURS[priority]))
    reporter = rng.choice(contacts) if contacts else None
    description = None
    if rng.random() < 0.9:
        who = f"{reporter.name} ({reporter.role or 'customer'})" if reporter else "Customer"
        description = f"{who} reports: {detail}".rstrip()
    if resolved <= REFERENCE_TIME and rng.random() < 0.97:
        status, updated, closed = "closed", resolved, resolved
    else:
        status = "in_progress" if rng.random() < 0.55 else "open"
        updated = (
            created + (REFERENCE_TIME - created) * rng.random()
            if status == "in_progress"
            else created
        )
        closed = None
    return _TicketDraft(
        id=_uuid(rng),
        customer_id=customer.id,
        equipment_id=unit.id if unit else None,
        title=title,
        description=description,
        status=status,
        priority=priority,
        created_at=created,
        updated_at=updated,
        closed_at=closed,
    )


def _number_tickets(drafts: list[_TicketDraft]) -> list[DemoTicket]:
    """Order by creation and number per year (TKT-2025-000123) as a real desk would."""
    per_year: dict[int, int] = {}
    tickets = []
    for draft in sorted(drafts, key=lambda ticket: ticket.created_at):
        year = draft.created_at.year
        per_year[year] = sequence = per_year.get(year, 0) + 1
        tickets.append(DemoTicket(ticket_number=f"TKT-{year}-{sequence:06d}", **draft._asdict()))
    return tickets


def generate(*, n_customers: int, tickets_per_customer: float = 3.0, seed: int = 7) -> DemoDataset:
    """Build a complete, internally consistent dataset of ``n_customers`` for ``seed``.

    Customers with more installed equipment raise more tickets; on average
    each customer has ``tickets_per_customer``.
    """
    if tickets_per_customer < 0:
        raise ValueError("tickets_per_customer must not be negative")
    organizations = [
        plan.organization for plan in _plan_organizations(seed, n_customers, _pan_space(seed))
    ]
    customers = list(iter_customers(n=n_customers, seed=seed))
    rng = random.Random(f"{_NAMESPACE}:{seed}:service")
    serials = _ShuffledCounter(10**8, rng)
    contacts: list[DemoContact] = []
    equipment: list[DemoEquipment] = []
    people_by_customer = []
    units_by_customer = []
    for customer in customers:
        people = _contacts_for(rng, customer)
        units = _equipment_for(rng, customer, people, serials)
        contacts.extend(people)
        equipment.extend(units)
        people_by_customer.append(people)
        units_by_customer.append(units)
    weights = [
        _ticket_weight(customer, units)
        for customer, units in zip(customers, units_by_customer, strict=True)
    ]
    scale = tickets_per_customer * len(customers) / sum(weights) if customers else 0.0
    drafts = [
        _draft_ticket(rng, customer, units, people)
        for customer, people, units, weight in zip(
            customers, people_by_customer, units_by_customer, weights, strict=True
        )
        for _ in range(_ticket_count(rng, weight * scale))
    ]
    return DemoDataset(
        organizations=organizations,
        customers=customers,
        contacts=contacts,
        equipment=equipment,
        tickets=_number_tickets(drafts),
    )
