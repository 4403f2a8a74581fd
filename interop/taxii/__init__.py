"""A read-only TAXII 2.1 server of the published knowledge base: the STIX object versions that releases write.

Discovery at `/taxii2/`, one API root (`/taxii2/kb/`) with one collection, the whole published data set; `objects`,
`manifest` and `versions` page by keyset on (date_added, id), so the last page costs what the first does.
"""
