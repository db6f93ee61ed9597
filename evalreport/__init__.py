"""evalreport: builds literate .qmd evaluation reports into versioned HTML and PDF."""
__version__ = "0.1.0"
