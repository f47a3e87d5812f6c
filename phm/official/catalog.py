"""Where each kind of official area data comes from: publisher, official URL, mirror path."""

from __future__ import annotations

from dataclasses import dataclass

from phm.geo import ATTRIBUTION

LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
IOD_PAGE = "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019"
GOV_UK_FILES = "https://assets.publishing.service.gov.uk/government/uploads/system/uploads"
NOMIS_PAGE_ROWS = 25_000  # Nomis answers at most this many rows to an anonymous request

# Paths inside a folder shaped like ../shared/reference (also the layout of a --base-url mirror).
IMD_FILE = "imd2019/imd2019_lsoa_file1_imd.csv.gz"
POPULATION_FILE = "imd2019/iod2019_lsoa_file6_population_mid2015.csv.gz"
ETHNICITY_FILE = "census2011/ethnic_group_broad_msoa_2011.csv"


@dataclass(frozen=True)
class Source:
    """One kind of official area data and where it is published."""

    kind: str  # imd | population | ethnicity
    title: str
    publisher: str
    page_url: str  # where a person finds and downloads it by hand
    official_url: str  # what --download fetches
    file_name: str  # name the downloaded file is given
    mirror_path: str  # path under a --base-url mirror
    is_paged: bool = False  # Nomis API: fetched in pages of NOMIS_PAGE_ROWS rows


SOURCES: dict[str, Source] = {
    "imd": Source(
        "imd",
        "English Indices of Deprivation 2019, File 1: Index of Multiple Deprivation (LSOA 2011)",
        "Ministry of Housing, Communities and Local Government (MHCLG)",
        IOD_PAGE,
        f"{GOV_UK_FILES}/attachment_data/file/833970/"
        "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx",
        "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx",
        IMD_FILE,
    ),
    "population": Source(
        "population",
        "English Indices of Deprivation 2019, File 6: population denominators (mid-2015, LSOA 2011)",
        "Ministry of Housing, Communities and Local Government (MHCLG), from ONS estimates",
        IOD_PAGE,
        f"{GOV_UK_FILES}/attachment_data/file/833980/File_6_-_IoD2019_Population_Denominators.xlsx",
        "File_6_-_IoD2019_Population_Denominators.xlsx",
        POPULATION_FILE,
    ),
    "ethnicity": Source(
        "ethnicity",
        "Census 2011 table KS201EW: ethnic group, five broad groups by MSOA (2011)",
        "Office for National Statistics (ONS), via Nomis",
        "https://www.nomisweb.co.uk/census/2011/ks201ew",
        "https://www.nomisweb.co.uk/api/v01/dataset/NM_608_1.data.csv?date=latest"
        "&geography=TYPE297&rural_urban=0&cell=0,100,200,300,400,500&measures=20100"
        "&select=geography_code,cell,cell_name,obs_value",
        "KS201EW_ethnic_group_msoa_2011_nomis.csv",
        ETHNICITY_FILE,
        is_paged=True,
    ),
}

__all__ = ["ATTRIBUTION", "LICENCE", "LICENCE_URL", "SOURCES", "Source"]
