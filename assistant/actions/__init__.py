"""Devices: the registry (``registry``), name resolution (``resolve``), the REST adapter
(``rest``), reply sentences (``describe``) and the device simulator (``simulator``).

Import from the modules; this package imports nothing, so loading the registry does not
load spaCy.
"""
