"""Case bundles: one file that another country's authority checks with only the
sender's public key and comity, without access to the store (docs/bundle.md)."""

from comity.audit.bundle.check import BundleChecked, check_bundle
from comity.audit.bundle.layout import FORMAT, MEDIA_TYPE
from comity.audit.bundle.make import BundleContent, BundleMade, bundle_content, make_bundle

__all__ = [
    "FORMAT",
    "MEDIA_TYPE",
    "BundleChecked",
    "BundleContent",
    "BundleMade",
    "bundle_content",
    "check_bundle",
    "make_bundle",
]
