"""The words of the HTML report and the calendar export, in English and Spanish.

Every label goes through one gettext-style function, `_ = translator(lang)`, whose
message ids are the English text: English needs no table, and the Spanish table below
maps each id to its translation. Keeping the ids in English and the lookup in one
function means the table can move to gettext catalogs (Babel) without touching the
renderers; `tests/report/test_report_labels.py` checks that every id the renderers
and templates use has its Spanish entry, so no label stays English by accident.

The Spanish is the legal Spanish of Latin American prosecutors: *orden de
congelamiento*, *decomiso*, *solicitud de asistencia judicial recíproca*; citations
of the law are never translated (they stay as published).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

__all__ = ["LANGUAGES", "Translate", "catalog", "translator"]

#: The languages the report and the calendar are written in; the first is the default.
LANGUAGES = ("en", "es")

Translate = Callable[[str], str]

_ES: dict[str, str] = {
    # -- the calendar export --------------------------------------------------------
    "comity deadlines": "comity: plazos",
    "Open deadlines of comity, as of {as_of}, known at {known_at}; rule pack {rulepack}": (
        "Plazos abiertos según comity, a {as_of}, conocido a {known_at}; "
        "paquete de reglas {rulepack}"
    ),
    "Last day": "Último día",
    "Missed": "Vencido sin cumplir",
    "Met or no longer running": "Cumplido o ya no corre",
    "Case": "Caso",
    "Rule": "Regla",
    "Period": "Plazo",
    "Counting": "Cómputo",
    "Caveat": "Advertencia",
    "Legal basis": "Fundamento jurídico",
    "Rests on events": "Se basa en los eventos",
    "Late from": "Vencido a partir de",
    "Deadline {code} {ref} (case {case})": "Plazo {code} {ref} (caso {case})",
    "Order {ref} lapses after this day (case {case})": (
        "La orden {ref} caduca después de este día (caso {case})"
    ),
    "FIU suspension {ref} ends: a court order is needed (case {case})": (
        "Vence la suspensión de la UIF {ref}: hace falta una orden judicial (caso {case})"
    ),
    "Last day to decide {ref} (case {case})": "Último día para resolver {ref} (caso {case})",
    "MISSED: {summary}": "VENCIDO: {summary}",
    "MET: {summary}": "CUMPLIDO: {summary}",
    "The deadline passed without being met: finding {finding} ({code}), late from {late}.": (
        "El plazo venció sin cumplirse: hallazgo {finding} ({code}), vencido a partir de {late}."
    ),
    "No longer running as of {as_of}: met, or no longer applies to the case.": (
        "Ya no corre a {as_of}: se cumplió o ya no se aplica al caso."
    ),
    "Reminder: {summary}": "Recordatorio: {summary}",
    # -- the HTML report --------------------------------------------------------------
    "Case report": "Informe del caso",
    "Summary": "Resumen",
    "Open findings": "Hallazgos abiertos",
    "Resolved findings": "Hallazgos resueltos",
    "critical": "crítico",
    "warning": "advertencia",
    "info": "información",
    "Next deadline": "Próximo plazo",
    "none": "ninguno",
    "Jurisdictions": "Jurisdicciones",
    "Jurisdiction": "Jurisdicción",
    "Lead jurisdiction": "Jurisdicción principal",
    "Assets": "Activos",
    "Asset": "Activo",
    "Type": "Tipo",
    "Holder": "Titular",
    "Value": "Valor",
    "Status": "Situación",
    "Timeline": "Cronología",
    "Asset flows": "Flujos de activos",
    "Findings": "Hallazgos",
    "Open deadlines": "Plazos abiertos",
    "No open deadlines.": "Ningún plazo abierto.",
    "No findings.": "Ningún hallazgo.",
    "No assets located.": "No se ha localizado ningún activo.",
    "Auditor's trail": "Constancia para la auditoría",
    "as of {as_of}, known at {known_at}": "a {as_of}, conocido a {known_at}",
    "Cut": "Corte",
    "Log": "Registro",
    "{size} records, head {hash}": "{size} registros, cabeza {hash}",
    "Checkpoint": "Punto de control",
    "none signed yet": "ninguno firmado aún",
    "{origin} at size {size}, root {root} ({covers})": (
        "{origin} en el tamaño {size}, raíz {root} ({covers})"
    ),
    "covers this head": "cubre esta cabeza",
    "beyond this cut": "posterior a este corte",
    "Rule pack": "Paquete de reglas",
    "Versions": "Versiones",
    "open": "abierto",
    "missed": "vencido",
    "resolved": "resuelto",
    "Raised": "Surgido",
    "Due": "Vence",
    "Caused by": "Originado por",
    "Resolved by": "Resuelto por",
    "Resolved on {date}": "Resuelto el {date}",
    "Closed on {date}: the deadline was missed (see {finding})": (
        "Cerrado el {date}: el plazo venció sin cumplirse (véase {finding})"
    ),
    "still open": "sigue abierto",
    "Missed deadline": "Plazo vencido",
    "Overlapping jurisdictions": "Jurisdicciones concurrentes",
    "Next steps": "Próximas diligencias",
    "Data quality": "Calidad de los datos",
    "none: a check of the case's own records, not a rule of law": (
        "ninguna: una comprobación de los registros del propio caso, no una norma jurídica"
    ),
    "Days left": "Días restantes",
    "today": "hoy",
    "tomorrow": "mañana",
    "in {n} days": "en {n} días",
    "{n} days ago": "hace {n} días",
    "Code": "Código",
    "Reference": "Referencia",
    "events": "eventos",
    "orders": "órdenes",
    "requests": "solicitudes",
    "deadlines": "plazos",
    "Legend": "Leyenda",
    "event": "evento",
    "order": "orden",
    "request": "solicitud",
    "deadline": "plazo",
    "transfer": "transferencia",
    "frozen": "congelado",
    "seized": "incautado",
    "confiscated": "decomisado",
    "confiscation ordered": "decomiso ordenado",
    "returned": "restituido",
    "bank account": "cuenta bancaria",
    "real estate": "inmueble",
    "vehicle": "vehículo",
    "vessel": "buque",
    "aircraft": "aeronave",
    "company shares": "participaciones sociales",
    "securities": "valores",
    "virtual asset": "activo virtual",
    "cash": "efectivo",
    "other": "otro",
    "Transfers": "Transferencias",
    "From": "Desde",
    "To": "Hacia",
    "Amount": "Importe",
    "Date": "Fecha",
    "Produced by comity {version}; every date is a calendar day (UTC).": (
        "Generado con comity {version}; cada fecha es un día natural (UTC)."
    ),
    "granted": "concedida",
    "partially granted": "concedida en parte",
    "refused": "denegada",
    "postponed": "aplazada",
    "criminal": "penal",
    "civil": "civil",
    "lead": "principal",
    "not located": "no localizado",
    "Case {case}": "Caso {case}",
    "{n} open": "{n} abiertos",
    "Events of the case": "Eventos del caso",
    # -- event types, as the report names what caused or resolved a finding ----------
    "case opened": "apertura del caso",
    "subject identified": "identificación de sujeto",
    "asset located": "localización de activo",
    "proceeding opened": "apertura de proceso",
    "order issued": "orden dictada",
    "freezing order": "orden de congelamiento",
    "seizure order": "orden de incautación",
    "confiscation order": "orden de decomiso",
    "release order": "orden de levantamiento",
    "order extended": "prórroga de la orden",
    "order lifted": "levantamiento de la orden",
    "MLA request sent": "solicitud de asistencia judicial recíproca enviada",
    "MLA request received": "solicitud de asistencia judicial recíproca recibida",
    "MLA request answered": "respuesta a la solicitud de asistencia judicial recíproca",
    "order recognized": "reconocimiento de la orden",
    "transfer detected": "transferencia detectada",
    "FIU postponement": "suspensión por la UIF",
    "asset confiscated": "decomiso del activo",
    "asset returned": "restitución del activo",
    "case closed": "cierre del caso",
    "non-conviction-based forfeiture": "decomiso sin condena",
    "non-conviction-based forfeiture (extinción de dominio)": "extinción de dominio",
}

_CATALOGS: dict[str, Mapping[str, str]] = {"en": {}, "es": _ES}


def catalog(lang: str) -> Mapping[str, str]:
    """The translations of `lang` (English: none, the ids are English)."""
    return _CATALOGS[lang]


def translator(lang: str) -> Translate:
    """`_(message_id)` in `lang`: the translation, or the English id if there is none."""
    if lang not in _CATALOGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    table = _CATALOGS[lang]

    def _(message: str) -> str:
        return table.get(message, message)

    return _
