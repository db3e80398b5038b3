"""Static data of the demo generator's equipment and tickets: the models each kind of customer
runs, the faults each category of equipment has, priorities, resolution times, and the people
a service desk calls. Data only: dataset.py draws from it."""

from typing import NamedTuple

from clientele.demo.vocabulary import expand


class Model(NamedTuple):
    category: str
    manufacturer: str
    model: str
    serial_prefix: str


class Fault(NamedTuple):
    title: str
    detail: str
    priority: str


# fmt: off
CATALOG: dict[str, tuple[Model, ...]] = {
    "MRI": (
        Model("MRI", "GE Healthcare", "SIGNA Explorer 1.5T", "GEMR"),
        Model("MRI", "Siemens Healthineers", "MAGNETOM Sempra 1.5T", "SHMR"),
        Model("MRI", "Philips", "Ingenia 1.5T", "PHMR"),
    ),
    "CT": (
        Model("CT", "GE Healthcare", "Revolution ACT", "GECT"),
        Model("CT", "Siemens Healthineers", "SOMATOM go.Now", "SHCT"),
        Model("CT", "Philips", "Incisive CT", "PHCT"),
        Model("CT", "Canon Medical", "Aquilion Lightning", "CMCT"),
    ),
    "X-ray": (
        Model("X-ray", "Siemens Healthineers", "Multix Fusion", "SHXR"),
        Model("X-ray", "Philips", "DigitalDiagnost C90", "PHXR"),
        Model("X-ray", "Fujifilm", "FDR Smart X", "FJXR"),
        Model("X-ray", "Allengers", "MARS 60 DR", "ALXR"),
    ),
    "Ventilator": (
        Model("Ventilator", "Hamilton Medical", "HAMILTON-C3", "HMVT"),
        Model("Ventilator", "Draeger", "Savina 300", "DRVT"),
        Model("Ventilator", "Mindray", "SV300", "MRVT"),
    ),
    "Patient monitor": (
        Model("Patient monitor", "Mindray", "ePM 10", "MRPM"),
        Model("Patient monitor", "Philips", "IntelliVue MX450", "PHPM"),
        Model("Patient monitor", "Nihon Kohden", "Life Scope BSM-3562", "NKPM"),
    ),
    "Infusion pump": (
        Model("Infusion pump", "B. Braun", "Infusomat Space", "BBIP"),
        Model("Infusion pump", "Fresenius Kabi", "Agilia VP", "FKIP"),
        Model("Infusion pump", "Mindray", "BeneFusion VP3", "MRIP"),
    ),
    "ECG": (
        Model("ECG", "BPL Medical Technologies", "Cardiart 9108", "BPEC"),
        Model("ECG", "Schiller", "Cardiovit AT-102 G2", "SCEC"),
        Model("ECG", "GE Healthcare", "MAC 2000", "GEEC"),
    ),
    "Ultrasound": (
        Model("Ultrasound", "GE Healthcare", "LOGIQ P9", "GEUS"),
        Model("Ultrasound", "Samsung Medison", "HS40", "SMUS"),
        Model("Ultrasound", "Philips", "Affiniti 50", "PHUS"),
        Model("Ultrasound", "Mindray", "DC-70", "MRUS"),
    ),
    "Dialysis": (
        Model("Dialysis", "Fresenius Medical Care", "4008S", "FMDL"),
        Model("Dialysis", "Nipro", "Surdial X", "NPDL"),
        Model("Dialysis", "B. Braun", "Dialog+", "BBDL"),
    ),
    "Lab analyser": (
        Model("Lab analyser", "Sysmex", "XN-550", "SYLA"),
        Model("Lab analyser", "Roche Diagnostics", "cobas c 311", "RDLA"),
        Model("Lab analyser", "Beckman Coulter", "DxH 500", "BCLA"),
    ),
}

FAULTS: dict[str, tuple[Fault, ...]] = {
    "MRI": (
        Fault("Helium level dropping faster than normal",
            "Helium fell from 78% to 71% in two weeks and the cold head sounds irregular.", "high"),
        Fault("Cold head compressor tripping",
            "Compressor trips every few hours; chiller shows high water temperature.", "critical"),
        Fault("Gradient amplifier fault during scan",
            "Brain protocol aborts midway with a gradient amplifier fault.", "critical"),
        Fault("Head/neck coil not detected",
            "Coil not detected after table docking; other coils work.", "high"),
    ),
    "CT": (
        Fault("Tube arcing error during helical scan",
            "Tube arcs at 120 kV and the scan aborts; three patients rescheduled.", "critical"),
        Fault("Gantry rotation fault",
            "Gantry stops with a rotation controller error after warm-up.", "critical"),
        Fault("Ring artefacts in axial images",
            "Concentric rings on abdomen studies; air calibration did not clear them.", "high"),
        Fault("Patient table stuck",
            "Table will not move in or out; manual release works.", "high"),
    ),
    "X-ray": (
        Fault("No exposure on pressing hand switch",
            "Prep completes but no exposure; generator shows an error.", "high"),
        Fault("Flat panel detector not connecting",
            "DR detector shows disconnected and wireless pairing fails.", "high"),
        Fault("Collimator lamp not working",
            "Light-field lamp fused, positioning is guesswork.", "low"),
        Fault("Tube heat warning in OPD hours",
            "Heat-unit warning after 20-25 exposures.", "medium"),
    ),
    "Ventilator": (
        Fault("'O2 sensor failed' alarm",
            "Continuous O2 sensor alarm; FiO2 not displayed.", "critical"),
        Fault("Flow sensor calibration failing",
            "Calibration fails repeatedly, even with a new flow sensor.", "high"),
        Fault("High pressure alarm without cause",
            "High pressure alarm in volume mode with a normal circuit.", "critical"),
        Fault("Battery backup not holding",
            "Unit shuts down within 5 minutes on battery during power cuts.", "high"),
    ),
    "Patient monitor": (
        Fault("SpO2 readings erratic",
            "SpO2 swings between 80 and 99% on stable patients; probe replaced.", "medium"),
        Fault("NIBP module error",
            "NIBP fails with a module error; cuff inflates only partly.", "medium"),
        Fault("Display flickering",
            "Screen flickers and goes blank intermittently in the ICU.", "medium"),
        Fault("Continuous ECG lead-off alarm",
            "Lead-off alarm although all leads are connected.", "low"),
    ),
    "Infusion pump": (
        Fault("Occlusion alarm without occlusion",
            "Downstream occlusion alarm at low rates with new line sets.", "medium"),
        Fault("Flow rate inaccurate",
            "Ward audit found delivered volume 10-15% below programmed.", "high"),
        Fault("Door open alarm", "Door latch not sensed; pump refuses to start.", "medium"),
        Fault("Battery not charging", "Battery shows empty even after overnight charging.", "low"),
    ),
    "ECG": (
        Fault("Thermal printer not printing",
            "Paper feeds but prints blank; staff cleaned the head.", "low"),
        Fault("Baseline noise on all leads",
            "Heavy baseline wander and 50 Hz noise; earthing checked.", "medium"),
        Fault("Patient cable damaged",
            "Cable connector cracked; replacement cable requested.", "low"),
    ),
    "Ultrasound": (
        Fault("Convex probe showing dead elements",
            "Dark vertical bands with the convex probe; linear probe fine.", "high"),
        Fault("System hangs at boot", "Stuck at the logo screen since a power failure.", "high"),
        Fault("Image quality degraded",
            "Grainy images at all depths; resetting presets did not help.", "medium"),
        Fault("DICOM export to PACS failing",
            "Studies stopped reaching PACS after a network change.", "medium"),
    ),
    "Dialysis": (
        Fault("Conductivity alarm during treatment",
            "Alarm mid-session; concentrate and RO water checked.", "critical"),
        Fault("Blood leak detector false alarms",
            "Blood leak alarm with no visible leak; sessions interrupted.", "high"),
        Fault("Heat disinfection not completing",
            "Disinfection aborts at 60% without reaching temperature.", "medium"),
    ),
    "Lab analyser": (
        Fault("QC out of range after reagent lot change",
            "Level 2 control out of range for glucose and creatinine.", "high"),
        Fault("Sample aspiration error",
            "Short-sample errors on most samples; probe cleaned.", "high"),
        Fault("Reagent probe clogging",
            "Probe clogs repeatedly; a backlog of 80 samples.", "critical"),
    ),
}
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
