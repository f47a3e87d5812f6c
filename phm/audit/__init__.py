"""The audit log (phm.audit.log) and what the administrator's Audit page reads (phm.audit.pages)."""
