"""Facts: for each checklist question a typed answer with verbatim evidence. No policy knowledge here."""
from .checklist import Checklist, load_checklist
from .detect import detect

__all__ = ["Checklist", "load_checklist", "detect"]
