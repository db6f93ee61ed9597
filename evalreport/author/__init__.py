"""The authoring library a report imports: Danish number formatting
(`formatting`), phrases (`phrases`), report tables (`tables`) and checked data
input (`data`)."""
