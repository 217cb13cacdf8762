"""Training plugin (P-1, O-3): courses, exams, certifications that gate dispatch.
Only its manifest exists so far (issue 7)."""

from core.manifest import Manifest

MANIFEST = Manifest(
    name="training",
    version="0.1.0",
    depends=(),
    description="Courses, exams and certifications that gate dispatch",
)
