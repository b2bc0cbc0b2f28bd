#!/bin/sh
# Import the public Maven CRM data set (8,800 opportunities) into a database.
#   sh examples/import/maven.sh [DATA_DIR] [DB]
# DATA_DIR defaults to ../shared/data/maven-crm (beside this repository);
# DB defaults to $FUNNEL_DB, else a new file in a temporary directory.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${1:-$here/../../../shared/data/maven-crm}
db=${2:-${FUNNEL_DB:-$(mktemp -d)/maven.db}}
export FUNNEL_DB="$db"

# The data set's stages: Prospecting → Engaging, then Won or Lost (outcomes).
funnel pipeline create maven --stages Prospecting,Engaging

# opportunity_id is the external id; the product is what was sold, so the
# title; account → org and deal_stage → stage map themselves (aliases).
# A Won/Lost deal_stage closes the deal at close_date; engage_date is when it
# entered Engaging. Rows with no date at all (Prospecting) are created at the
# time of the import.
funnel import "$data/sales_pipeline.csv" --pipeline maven \
    --map external_id=opportunity_id --map title=product \
    --map owner=sales_agent --map value=close_value --map closed_at=close_date \
    --stage-date Engaging=engage_date

# The same table after a spreadsheet round trip has US dates (10/20/2016):
#   funnel import "$data/spreadsheet-export/sales_pipeline.csv" ... --date-order mdy

funnel report metrics --pipeline maven
echo "database: $db" >&2
