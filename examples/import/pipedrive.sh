#!/bin/sh
# A Pipedrive deals export ("Deal - Title", "Deal - Stage", …) into funnelcli.
#   sh examples/import/pipedrive.sh [FILE]      (FUNNEL_DB picks the database)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
file=${1:-$here/pipedrive-deals.csv}

# Pipedrive's default stages, in order, as a funnelcli pipeline.
funnel pipeline create pipedrive \
    --stages "Lead In,Contact Made,Qualified,Proposal Made,Negotiations Started"

# "Deal - Title" and "Deal - Value" map themselves (deal_title, deal_value).
# closed_at is mapped twice: the first of Won time / Lost time with a value.
# "Deal - Status" (open/won/lost) closes won and lost deals.
funnel import "$file" --pipeline pipedrive \
    --map external_id="Deal - ID" --map currency="Deal - Currency" \
    --map org="Deal - Organization" --map contact="Deal - Contact person" \
    --map stage="Deal - Stage" --map status="Deal - Status" --map owner="Deal - Owner" \
    --map created_at="Deal - Deal created" \
    --map closed_at="Deal - Won time" --map closed_at="Deal - Lost time" \
    --map lost_reason="Deal - Lost reason" \
    --map expected_close="Deal - Expected close date" --map tags="Deal - Label"
