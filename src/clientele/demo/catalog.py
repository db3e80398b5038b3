"""Static data of the demo generator's equipment and tickets: the models each kind of customer
runs, the faults each category of equipment has, priorities, resolution times, and the people
a service desk calls. Data only: dataset.py draws from it."""

from typing import NamedTuple

from clientele.demo.vocabulary import expand, load_data


class Model(NamedTuple):
    category: str
    manufacturer: str
    model: str
    serial_prefix: str


class Fault(NamedTuple):
    title: str
    detail: str
    priority: str


# data/models.json: the models each category of equipment comes in, one row per model
# ([manufacturer, model, serial prefix]); data/faults.json: the faults each category has
# ([title, detail, usual priority]).
CATALOG: dict[str, tuple[Model, ...]] = {
    category: tuple(Model(category, *row) for row in rows)
    for category, rows in load_data("models.json").items()
}
FAULTS: dict[str, tuple[Fault, ...]] = {
    category: tuple(Fault(*row) for row in rows)
    for category, rows in load_data("faults.json").items()
}

# fmt: off
# Requests that are about the account or contract rather than one unit.
GENERAL_FAULTS = (
    Fault("Preventive maintenance visit due under AMC",
        "Quarterly PM is due as per the AMC schedule; please confirm the engineer's date.", "low"),
    Fault("Quotation requested for CMC renewal",
        "CMC expires next month; customer wants a revised quotation including spares.", "low"),
    Fault("Site readiness check before installation",
        "Power, earthing and air-conditioning to be verified before the new unit is installed.",
        "medium"),
    Fault("Calibration certificates needed for NABH audit",
        "NABH audit next week; certificates for all critical equipment required.", "medium"),
    Fault("Application training for new staff",
        "New technicians joined; customer requests an application training session.", "low"),
    Fault("Invoice discrepancy on last service visit",
        "Customer disputes a spare charged on the last invoice as it is covered under CMC.", "low"),
    Fault("Shifting equipment to the new ICU wing",
        "Engineer needed to dismantle and re-install equipment in the new wing.", "medium"),
)
IMPACTS = (
    "Unit out of use; patients are being referred elsewhere.", "Unit in use with a workaround.",
    "Intermittent; happened three times this week.", "Backup unit in service for now.",
)
CONTEXTS = (
    "Unit under CMC.", "Unit under warranty.",
    "Out of warranty; customer wants an estimate before the visit.",
    "Engineer visit requested before Monday.", "Second complaint this month.", "",
)
PRIORITIES = ("low", "medium", "high", "critical")
RESOLUTION_HOURS = {"critical": 10.0, "high": 30.0, "medium": 72.0, "low": 160.0}

CATEGORIES_BY_TYPE = {
    "hospital": expand(
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
    "clinic": expand(
        (("ECG", 30), ("Ultrasound", 30), ("Patient monitor", 15), ("X-ray", 10), ("Dialysis", 15))
    ),
    "lab": expand(
        (
            ("Lab analyser", 40),
            ("Ultrasound", 20),
            ("X-ray", 20),
            ("CT", 10),
            ("MRI", 5),
            ("ECG", 5),
        )
    ),
    "dealer": tuple(CATALOG),
    "manufacturer": tuple(CATALOG),
    "individual": expand((("ECG", 5), ("Ultrasound", 3), ("Patient monitor", 2))),
}
UNITS_PER_CUSTOMER = {
    "hospital": (1, 2, 2, 3, 4, 6),
    "clinic": (0, 1, 1, 2),
    "lab": (1, 2, 3, 4),
    "dealer": (0, 0, 1, 2),
    "manufacturer": (0, 1, 2),
    "individual": (0, 0, 1),
}
CONTACTS_PER_CUSTOMER = {
    "hospital": (1, 1, 2, 2, 3),
    "clinic": (0, 1, 1, 2),
    "lab": (1, 1, 2),
    "dealer": (1, 2),
    "manufacturer": (1, 2, 3),
    "individual": (0, 0, 1),
}
ROLES = {
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


DOCTOR_ROLES = frozenset(
    {"Medical Superintendent", "Doctor", "Owner", "Pathologist", "Radiologist"}
)
MODEL_BY_NAME = {model.model: model for models in CATALOG.values() for model in models}
