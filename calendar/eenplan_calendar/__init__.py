"""eenplan_calendar: werkdagen, the startoverleg window, slot proposals and iTIP invitations.

Modules: ``werkdagen`` (WerkdagCalendar), ``window`` (startoverleg_window, check_in_window),
``slots`` (propose_slots), ``itip`` (build_request, build_cancel). Import from the modules;
this package deliberately re-exports nothing and does no work at import time.
"""
