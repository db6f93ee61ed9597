"""The engine: a .qmd document is parsed (`qmd`), its cells executed in a kernel
(`execute`), its outputs turned into Pandoc markdown (`markdown`), numbered and
converted (`crossref`, `pandoc`, `mathsvg`) and rendered to HTML and PDF (`render`).
`quarto` is the adapter for the Quarto CLI where one is installed."""
