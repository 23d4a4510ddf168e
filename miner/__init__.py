"""miner: literature mining for the gut–brain axis (PubMed abstracts → taxon–disorder–direction relations).
Imports: nothing.
"""

__version__ = "0.1.0"
