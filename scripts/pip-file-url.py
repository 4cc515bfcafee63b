#!/usr/bin/env python3
"""Prints the download address of one file of a package, read from the package index pip is
configured with (PIP_INDEX_URL, pip's configuration files, else pip's own default): for the files
pip cannot fetch by itself without building them (an sdist). Usage: pip-file-url.py PACKAGE FILE"""
import os
import re
import sys
import urllib.parse
import urllib.request

from pip._internal.configuration import Configuration
from pip._internal.models.index import PyPI

package, filename = sys.argv[1], sys.argv[2]
config = Configuration(isolated=False)
config.load()
settings = dict(config.items())
index = os.environ.get("PIP_INDEX_URL") or settings.get("global.index-url") or settings.get(":env:.index-url") or PyPI.simple_url
page = index.rstrip("/") + "/" + package + "/"
with urllib.request.urlopen(page, timeout=60) as answer:
    html = answer.read().decode()
match = re.search(r'href="([^"#]*' + re.escape(filename) + ')', html)
if not match:
    sys.exit(f"{filename} is not listed at {page}")
print(urllib.parse.urljoin(page, match.group(1)))
