# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# Sphinx configuration of the dma-replace guides. Built with warnings as
# errors by scripts/build-docs.sh (meson test doc-guides, suite unit); the
# man builder makes dpdk-test-replace.1 from tools/test_replace.rst.
import configparser
import os
import re

project = 'dma-replace'
copyright = 'The dma-replace authors'

def _project_version():
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
    with open(os.path.join(top, 'meson.build')) as f:
        m = re.search(r"version:\s*'([^']+)'", f.read())
    return m.group(1) if m else 'unknown'


version = release = _project_version()
master_doc = 'index'
exclude_patterns = ['_build']
# A fixed date: the man page does not change with the day it is built.
today = ''
today_fmt = '%Y'
html_theme = 'classic'
highlight_language = 'none'
nitpicky = True

man_pages = [
    ('tools/test_replace', 'dpdk-test-replace',
     'test application of live IOMMU-domain replace for DPDK',
     ['The dma-replace authors'], 1),
]

# ---- NIC features table, in the style of DPDK's doc/guides/nics/features:
# nics/features/default.ini lists every feature (in order), one .ini per
# driver marks what it has (Y, P for partial); the table is generated into
# nics/overview_table.txt, included by nics/overview.rst.
def _ini(path):
    cp = configparser.ConfigParser(delimiters=('=',), interpolation=None)
    cp.optionxform = str
    with open(path) as f:
        cp.read_file(f)
    return cp


def generate_overview_table(app):
    here = os.path.dirname(os.path.abspath(__file__))
    fdir = os.path.join(here, 'nics', 'features')
    default = _ini(os.path.join(fdir, 'default.ini'))
    rows = list(default['Features'].keys())
    drivers = sorted(f[:-4] for f in os.listdir(fdir)
                     if f.endswith('.ini') and f != 'default.ini')
    cols = {}
    for d in drivers:
        cp = _ini(os.path.join(fdir, d + '.ini'))
        feats = cp['Features'] if cp.has_section('Features') else {}
        for k in feats:
            if k not in rows:
                raise RuntimeError('nics/features/%s.ini: feature "%s" is not in '
                                   'default.ini (add it there or fix its name)' % (d, k))
        cols[d] = {k: v.strip() for k, v in feats.items()}
    w = max(len(r) for r in rows)
    cw = max([len(d) for d in drivers] + [1])
    sep = '=' * w + '  ' + '  '.join('=' * cw for _ in drivers)
    out = ['.. table:: Features of the poll mode drivers', '', '   ' + sep,
           '   ' + 'Feature'.ljust(w) + '  ' + '  '.join(d.ljust(cw) for d in drivers),
           '   ' + sep]
    for r in rows:
        out.append('   ' + r.ljust(w) + '  ' +
                   '  '.join(cols[d].get(r, '').ljust(cw) for d in drivers))
    out.append('   ' + sep)
    path = os.path.join(here, 'nics', 'overview_table.txt')
    text = '\n'.join(x.rstrip() for x in out) + '\n'
    if not os.path.exists(path) or open(path).read() != text:
        with open(path, 'w') as f:
            f.write(text)


def setup(app):
    app.connect('builder-inited', generate_overview_table)
