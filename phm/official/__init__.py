"""Official area data (IMD 2019, population by LSOA, ethnic mix by MSOA): read, store, download."""
