"""What the rule pack may cite and may not say, shared by the tests that check it.

`OFFICIAL_PUBLISHERS` is the list of official publishers a reference's address may
point at (the table in docs/sources.md is the same list); `research_remarks` finds
remarks about how the pack was researched, which must never reach a user.
"""

from __future__ import annotations

import re

# The official publishers a reference's address may point at: host -> publisher. The
# same list, with the instruments each one publishes, is the table in docs/sources.md
# (tests/rules/test_sources.py keeps the two equal). A copy where the
# wording was read (`read_at`) may be anywhere; the address a finding cites may not.
OFFICIAL_PUBLISHERS: dict[str, str] = {
    "www.unodc.org": "United Nations Office on Drugs and Crime",
    "treaties.un.org": "United Nations Treaty Collection",
    "www.coe.int": "Council of Europe Treaty Office",
    "rm.coe.int": "Council of Europe Treaty Office",
    "eur-lex.europa.eu": "EUR-Lex (Publications Office of the European Union)",
    "www.legislation.gov.uk": "legislation.gov.uk (The National Archives)",
    "legislation.gov.uk": "legislation.gov.uk (The National Archives)",
    "uscode.house.gov": "Office of the Law Revision Counsel, US House of Representatives",
    "www.govinfo.gov": "GovInfo (US Government Publishing Office)",
    "www.fedlex.admin.ch": "Fedlex (Swiss Federal Chancellery)",
    "www.admin.ch": "Swiss Federal Chancellery (Official Compilation)",
    "www.gesetze-im-internet.de": "Gesetze im Internet (Federal Ministry of Justice)",
    "www.legifrance.gouv.fr": "Légifrance",
    "circulaire.legifrance.gouv.fr": "Légifrance",
    "www.boe.es": "Boletín Oficial del Estado",
    "www.normattiva.it": "Normattiva",
    "www.secretariasenado.gov.co": "Secretaría General del Senado de Colombia",
    "www.suin-juriscol.gov.co": "SUIN-Juriscol (Ministerio de Justicia de Colombia)",
    "www.gacetaoficial.gob.pa": "Gaceta Oficial de Panamá",
    "www.asamblea.gob.pa": "Asamblea Nacional de Panamá",
    "www.diputados.gob.mx": "Cámara de Diputados de México",
    "www.dof.gob.mx": "Diario Oficial de la Federación",
    "www.congreso.gob.gt": "Congreso de la República de Guatemala",
    "www.congresonacional.hn": "Congreso Nacional de Honduras",
    "www.asamblea.gob.sv": "Asamblea Legislativa de El Salvador",
    "www.uaelegislation.gov.ae": "UAE Legislation portal",
    "cbuae.thomsonreuters.com": "Central Bank of the UAE Rulebook",
    "www.jerseylaw.je": "Jersey Legal Information Board",
    "www.ris.bka.gv.at": "Rechtsinformationssystem des Bundes (Austria)",
    "likumi.lv": "Latvijas Vēstnesis, official legal acts of Latvia",
    "www.bacn.gov.py": "Biblioteca y Archivo Central del Congreso de Paraguay",
    "www.bcn.cl": "Biblioteca del Congreso Nacional de Chile",
    "www.oas.org": "Organization of American States",
    "www.sica.int": "Sistema de la Integración Centroamericana",
    "www.fatf-gafi.org": "Financial Action Task Force",
    "www.egmontgroup.org": "Egmont Group",
}

# Remarks about the research behind the pack, not caveats about the law: a note that
# something is "not in the notes", "from memory", a row number of a research table
# ("D29."), a pointer to a design or notes file, a to-do.
RESEARCH_REMARKS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\bnotes\b", re.IGNORECASE),
    re.compile(r"\bmemory\b", re.IGNORECASE),
    re.compile(r"\bremember", re.IGNORECASE),
    re.compile(r"\b(TODO|FIXME|XXX)\b"),
    re.compile(r"\bD\d+\b"),
    re.compile(r"legal-sources|official-sources|DESIGN\.md", re.IGNORECASE),
    re.compile(r"\[seen|\bseen in\b|\bseen only\b", re.IGNORECASE),
    re.compile(r"general knowledge", re.IGNORECASE),
    re.compile(r"\bplaceholder\b", re.IGNORECASE),
    re.compile(r"\bretrieved\b", re.IGNORECASE),
)


def research_remarks(text: str) -> list[str]:
    """The research remarks in `text`, as the matched words."""
    return [m.group(0) for pattern in RESEARCH_REMARKS for m in pattern.finditer(text)]
