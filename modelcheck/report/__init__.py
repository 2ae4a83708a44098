"""Reports for CI, written with the standard library: JUnit XML (`junit`), SARIF 2.1.0 (`sarif`)."""
from .junit import junit_xml, write_junit
from .sarif import sarif_log, write_sarif

__all__ = ["junit_xml", "write_junit", "sarif_log", "write_sarif"]
