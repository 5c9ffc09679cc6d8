#!/usr/bin/env python3
"""Validate Factur-X / CII invoices with the official validators, in a process
of its own (saxonche crashes inside a forked Odoo process).

    python validate.py FILE.xml [FILE.xml ...]   ->  JSON on stdout

For each file: ``profile`` (the level the XML declares), ``xsd`` (the Factur-X
XSD of that profile: error or null), and the fatal rules of ``en16931`` (the
official EN 16931 CII schematron), ``facturx`` (the FNFE-MPE schematron of the
declared profile: failed asserts without a warning flag) and ``ctc_fr`` (the
French CTC rules of the 2026 reform), each a list of "RULE: text".
"""

import json
import os
import sys

import facturx
from lxml import etree
from saxonche import PySaxonProcessor

HERE = os.path.dirname(os.path.abspath(__file__))
FX = os.path.join(os.path.dirname(facturx.__file__), "xsd_and_schematron")
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
STYLESHEETS = {
    "en16931": os.path.join(HERE, "EN16931-CII-validation.xslt"),
    "ctc_fr": os.path.join(
        FX, "cii-schematron-fr-ctc", "BR-FR-Flux2-Schematron-CII.xslt"
    ),
}
PROFILE_STYLESHEET = "facturx-{level}/FACTUR-X_{LEVEL}.xslt"


def failures(executable, path):
    svrl = etree.fromstring(executable.transform_to_string(source_file=path).encode())
    found = []
    for node in svrl.xpath(
        "//svrl:failed-assert | //svrl:successful-report", namespaces=SVRL
    ):
        if node.get("flag") in ("warning", "information"):
            continue
        text = " ".join(
            "".join(node.xpath("svrl:text//text()", namespaces=SVRL)).split()
        )
        found.append(f"{node.get('id') or node.get('location')}: {text[:160]}")
    return found


def main(paths):
    results = {}
    with PySaxonProcessor(license=False) as proc:
        xslt = proc.new_xslt30_processor()
        compiled = {}

        def compile_once(path):
            if path not in compiled:
                compiled[path] = xslt.compile_stylesheet(stylesheet_file=path)
            return compiled[path]

        for path in paths:
            with open(path, "rb") as handle:
                xml = handle.read()
            tree = etree.fromstring(xml)
            level = facturx.get_level(tree)
            result = {"profile": level, "xsd": None}
            try:
                facturx.xml_check_xsd(xml, flavor="factur-x", level=level)
            except Exception as error:  # noqa: BLE001 - reported
                result["xsd"] = str(error)[:500]
            for name, stylesheet in STYLESHEETS.items():
                result[name] = failures(compile_once(stylesheet), path)
            profile = os.path.join(
                FX, PROFILE_STYLESHEET.format(level=level, LEVEL=level.upper())
            )
            result["facturx"] = (
                failures(compile_once(profile), path) if os.path.exists(profile) else []
            )
            results[path] = result
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
