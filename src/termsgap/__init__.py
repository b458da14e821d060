"""termsgap: what AI vendors' terms commit to, and where they fall short of your policy."""
__version__ = "0.1.0"
