#!/bin/sh
# A HubSpot deals export ("Deal Name", "Deal Stage", "Close Date", …).
#   sh examples/import/hubspot.sh [FILE]        (FUNNEL_DB picks the database)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
file=${1:-$here/hubspot-deals.csv}

# HubSpot's default sales pipeline stages; "Closed Won" / "Closed Lost" in the
# stage column close a deal, so they are outcomes, not stages.
funnel pipeline create hubspot --stages "Appointment Scheduled,Qualified To Buy,Presentation Scheduled,Decision Maker Bought-In,Contract Sent"

# Deal Name, Deal Stage, Amount, Create Date and Deal owner map themselves.
# HubSpot's Close Date is the expected close of an open deal and the close of a
# closed one: one column feeds both fields (an open deal ignores closed_at).
funnel import "$file" --pipeline hubspot \
    --map external_id="Record ID" --map org="Associated Company" \
    --map expected_close="Close Date" --map closed_at="Close Date"
