"""A long synthetic German report built from paragraphs written for these tests."""

from __future__ import annotations

import random

PARAGRAPHS = [
    "Hamm, 3. März 2025 – Oberbürgermeister Marc Herter hat am Montag im Rathaus der Stadt Hamm "
    "den neuen Haushalt vorgestellt. Für das Jahr 2026 sind Ausgaben von rund 1,2 Mrd. Euro geplant, "
    "davon fließen über 40 Millionen Euro in die Sanierung von Schulen.",
    "Der Rat der Stadt Münster beschloss am 12. Februar 2025 mit 45 zu 20 Stimmen, die Buslinie 14 "
    "bis zum Hauptbahnhof zu verlängern. Die Stadtwerke Münster rechnen mit etwa 3.500 zusätzlichen "
    "Fahrgästen pro Tag.",
    "In Wien trafen sich vom 8. bis 11. November 2024 mehr als 300 Fachleute zur Tagung "
    "„Wasser in der Stadt“. Landesrätin Ulrike Sima sprach von einer Aufgabe für die nächsten zehn Jahre.",
    "Die Polizei Bielefeld meldet für das erste Halbjahr 2025 insgesamt 1.180 Verkehrsunfälle, "
    "das sind 7 Prozent weniger als im Vorjahr. Bei 212 Unfällen wurden Menschen verletzt.",
    "Landrätin Sabine Weber eröffnete am 5. April 2025 das neue Feuerwehrhaus in Bad Pyrmont. "
    "Der Bau kostete 2,8 Millionen Euro, der Landkreis Hameln-Pyrmont übernahm die Hälfte der Kosten.",
    "Der Verein Buntes Leben e. V. aus Ulm sammelte bei seinem Sommerfest am 21. Juni 2025 "
    "knapp 4.000 Euro für die Tafel. Rund 250 Gäste kamen in den Stadtgarten.",
    "Jeden zweiten Dienstag im Monat bietet die Verbraucherzentrale in Köln eine kostenlose "
    "Beratung an, jeweils von 14 bis 17 Uhr. Im Jahr 2024 nutzten 1.450 Menschen das Angebot.",
    "Die Gemeinde Zermatt im Kanton Wallis verzeichnete im Winter 2024/25 über 1,1 Millionen "
    "Übernachtungen. Gemeindepräsident Romy Biner-Hauser nannte das Ergebnis erfreulich.",
]


def long_report(n_chars: int, seed: int = 15) -> str:
    """Paragraphs in a fixed pseudo-random order, separated by blank lines, until `n_chars`."""
    rng = random.Random(seed)
    parts, size = [], 0
    while size < n_chars:
        p = rng.choice(PARAGRAPHS)
        parts.append(p)
        size += len(p) + 2
    return "\n\n".join(parts) + "\n"
