"""Maintained lists of the regions each cloud offers, and per-cloud naming facts.

Update these lists when a provider opens a region; a test keeps them sorted and unique.
"""

from __future__ import annotations

AWS_REGIONS = frozenset({
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1",
    "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
    "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1",
    "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
})

GCP_REGIONS = frozenset({
    "africa-south1", "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2",
    "asia-northeast3", "asia-south1", "asia-south2", "asia-southeast1", "asia-southeast2",
    "australia-southeast1", "australia-southeast2", "europe-central2", "europe-north1",
    "europe-north2", "europe-southwest1", "europe-west1", "europe-west10", "europe-west12",
    "europe-west2", "europe-west3", "europe-west4", "europe-west6", "europe-west8",
    "europe-west9", "me-central1", "me-central2", "me-west1", "northamerica-northeast1",
    "northamerica-northeast2", "northamerica-south1", "southamerica-east1",
    "southamerica-west1", "us-central1", "us-east1", "us-east4", "us-east5", "us-south1",
    "us-west1", "us-west2", "us-west3", "us-west4",
})

AZURE_REGIONS = frozenset({
    "australiacentral", "australiaeast", "australiasoutheast", "austriaeast", "belgiumcentral",
    "brazilsouth", "canadacentral", "canadaeast", "centralindia", "centralus", "chilecentral",
    "eastasia", "eastus", "eastus2", "francecentral", "germanywestcentral", "indonesiacentral",
    "israelcentral", "italynorth", "japaneast", "japanwest", "koreacentral", "koreasouth",
    "malaysiawest", "mexicocentral", "newzealandnorth", "northcentralus", "northeurope",
    "norwayeast", "polandcentral", "qatarcentral", "southafricanorth", "southcentralus",
    "southeastasia", "southindia", "spaincentral", "swedencentral", "switzerlandnorth",
    "uaenorth", "uksouth", "ukwest", "westcentralus", "westeurope", "westus", "westus2",
    "westus3",
})

REGIONS = {"aws": AWS_REGIONS, "gcp": GCP_REGIONS, "azure": AZURE_REGIONS}

RUNTIMES = {"aws": ("eks", "ecs"), "gcp": ("cloud-run", "gke"), "azure": ("aks",)}

# Cloudflare load-balancer region codes, for geo steering.
CLOUDFLARE_REGIONS = frozenset({
    "EEU", "ENAM", "ME", "NAF", "NEAS", "NSAM", "OC", "SAF", "SAS", "SEAS", "SSAM", "WEU", "WNAM",
})

# MongoDB Atlas region names of the cloud regions above that Atlas can host a cluster in (Atlas
# spells them its own way: GCP us-central1 is CENTRAL_US, Azure westeurope is EUROPE_WEST).
# A region missing here is refused by validation; add it once Atlas lists it.
ATLAS_REGIONS: dict[str, dict[str, str]] = {
    "aws": {
        "af-south-1": "AF_SOUTH_1", "ap-east-1": "AP_EAST_1", "ap-northeast-1": "AP_NORTHEAST_1",
        "ap-northeast-2": "AP_NORTHEAST_2", "ap-northeast-3": "AP_NORTHEAST_3",
        "ap-south-1": "AP_SOUTH_1", "ap-south-2": "AP_SOUTH_2", "ap-southeast-1": "AP_SOUTHEAST_1",
        "ap-southeast-2": "AP_SOUTHEAST_2", "ap-southeast-3": "AP_SOUTHEAST_3",
        "ap-southeast-4": "AP_SOUTHEAST_4", "ca-central-1": "CA_CENTRAL_1",
        "eu-central-1": "EU_CENTRAL_1", "eu-central-2": "EU_CENTRAL_2", "eu-north-1": "EU_NORTH_1",
        "eu-south-1": "EU_SOUTH_1", "eu-south-2": "EU_SOUTH_2", "eu-west-1": "EU_WEST_1",
        "eu-west-2": "EU_WEST_2", "eu-west-3": "EU_WEST_3", "me-central-1": "ME_CENTRAL_1",
        "me-south-1": "ME_SOUTH_1", "sa-east-1": "SA_EAST_1", "us-east-1": "US_EAST_1",
        "us-east-2": "US_EAST_2", "us-west-1": "US_WEST_1", "us-west-2": "US_WEST_2",
    },
    "gcp": {
        "africa-south1": "AFRICA_SOUTH_1", "asia-east1": "EASTERN_ASIA_PACIFIC",
        "asia-east2": "ASIA_EAST_2", "asia-northeast1": "NORTHEASTERN_ASIA_PACIFIC",
        "asia-northeast2": "ASIA_NORTHEAST_2", "asia-northeast3": "ASIA_NORTHEAST_3",
        "asia-south1": "ASIA_SOUTH_1", "asia-south2": "ASIA_SOUTH_2",
        "asia-southeast1": "SOUTHEASTERN_ASIA_PACIFIC", "asia-southeast2": "ASIA_SOUTHEAST_2",
        "australia-southeast1": "AUSTRALIA_SOUTHEAST_1",
        "australia-southeast2": "AUSTRALIA_SOUTHEAST_2", "europe-central2": "EUROPE_CENTRAL_2",
        "europe-north1": "EUROPE_NORTH_1", "europe-southwest1": "EUROPE_SOUTHWEST_1",
        "europe-west1": "WESTERN_EUROPE", "europe-west10": "EUROPE_WEST_10",
        "europe-west12": "EUROPE_WEST_12", "europe-west2": "EUROPE_WEST_2",
        "europe-west3": "EUROPE_WEST_3", "europe-west4": "EUROPE_WEST_4",
        "europe-west6": "EUROPE_WEST_6", "europe-west8": "EUROPE_WEST_8",
        "europe-west9": "EUROPE_WEST_9", "me-central1": "MIDDLE_EAST_CENTRAL_1",
        "me-central2": "MIDDLE_EAST_CENTRAL_2", "me-west1": "MIDDLE_EAST_WEST_1",
        "northamerica-northeast1": "NORTH_AMERICA_NORTHEAST_1",
        "northamerica-northeast2": "NORTH_AMERICA_NORTHEAST_2",
        "northamerica-south1": "NORTH_AMERICA_SOUTH_1", "southamerica-east1": "SOUTH_AMERICA_EAST_1",
        "southamerica-west1": "SOUTH_AMERICA_WEST_1", "us-central1": "CENTRAL_US",
        "us-east1": "EASTERN_US", "us-east4": "US_EAST_4", "us-east5": "US_EAST_5",
        "us-south1": "US_SOUTH_1", "us-west1": "WESTERN_US", "us-west2": "US_WEST_2",
        "us-west3": "US_WEST_3", "us-west4": "US_WEST_4",
    },
    "azure": {
        "australiacentral": "AUSTRALIA_CENTRAL", "australiaeast": "AUSTRALIA_EAST",
        "australiasoutheast": "AUSTRALIA_SOUTH_EAST", "brazilsouth": "BRAZIL_SOUTH",
        "canadacentral": "CANADA_CENTRAL", "canadaeast": "CANADA_EAST",
        "centralindia": "INDIA_CENTRAL", "centralus": "US_CENTRAL", "chilecentral": "CHILE_CENTRAL",
        "eastasia": "ASIA_EAST", "eastus": "US_EAST", "eastus2": "US_EAST_2",
        "francecentral": "FRANCE_CENTRAL", "germanywestcentral": "GERMANY_WEST_CENTRAL",
        "indonesiacentral": "INDONESIA_CENTRAL", "israelcentral": "ISRAEL_CENTRAL",
        "italynorth": "ITALY_NORTH", "japaneast": "JAPAN_EAST", "japanwest": "JAPAN_WEST",
        "koreacentral": "KOREA_CENTRAL", "koreasouth": "KOREA_SOUTH",
        "malaysiawest": "MALAYSIA_WEST", "mexicocentral": "MEXICO_CENTRAL",
        "newzealandnorth": "NEW_ZEALAND_NORTH", "northcentralus": "US_NORTH_CENTRAL",
        "northeurope": "EUROPE_NORTH", "norwayeast": "NORWAY_EAST",
        "polandcentral": "POLAND_CENTRAL", "qatarcentral": "QATAR_CENTRAL",
        "southafricanorth": "SOUTH_AFRICA_NORTH", "southcentralus": "US_SOUTH_CENTRAL",
        "southeastasia": "ASIA_SOUTH_EAST", "southindia": "INDIA_SOUTH",
        "spaincentral": "SPAIN_CENTRAL", "swedencentral": "SWEDEN_CENTRAL",
        "switzerlandnorth": "SWITZERLAND_NORTH", "uaenorth": "UAE_NORTH", "uksouth": "UK_SOUTH",
        "ukwest": "UK_WEST", "westcentralus": "US_WEST_CENTRAL", "westeurope": "EUROPE_WEST",
        "westus": "US_WEST", "westus2": "US_WEST_2", "westus3": "US_WEST_3",
    },
}
