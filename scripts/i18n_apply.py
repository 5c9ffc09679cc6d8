#!/usr/bin/env python3
"""Fill a .po file's untranslated entries from a Python file defining T =
{msgid: msgstr}; entries whose msgid starts with markup are matched ignoring
whitespace. Used to add reviewed translations in bulk.

    .state/venv/bin/python scripts/i18n_apply.py accomp_billing/i18n/fr.po T.py
"""

import re
import runpy
import sys

import polib


def key(text):
    return re.sub(r"\s+", " ", text).strip()


def main(po_path, table_path):
    table = {key(k): v for k, v in runpy.run_path(table_path)["T"].items()}
    catalog = polib.pofile(po_path)
    filled = 0
    for entry in catalog:
        if entry.obsolete or (entry.msgstr and "fuzzy" not in entry.flags):
            continue
        translation = table.get(key(entry.msgid))
        if translation:
            entry.msgstr = translation
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            filled += 1
    catalog.save(po_path)
    sys.stdout.write(f"{filled} entries translated\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
