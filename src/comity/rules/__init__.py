"""LAW: rule definitions, dated legal parameters with citations, and how periods count."""

from comity.rules.pack import LegalBasis, Rule, RulePack, load_pack

__all__ = ["LegalBasis", "Rule", "RulePack", "load_pack"]
