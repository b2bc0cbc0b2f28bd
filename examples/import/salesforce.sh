#!/bin/sh
# A Salesforce opportunity export (Data Loader or a report as CSV:
# OPPORTUNITY_ID, STAGE_NAME, CREATED_DATE, CLOSE_DATE, IS_WON, LOST_REASON_C, …).
#   sh examples/import/salesforce.sh [FILE]     (FUNNEL_DB picks the database)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
file=${1:-$here/salesforce-opportunities.csv}

# Salesforce's standard opportunity stages are read as the stages of
# funnelcli's `sales` pipeline (--stage-map); Closed Won / Closed Lost close
# the deal. OPPORTUNITY_NAME, ACCOUNT_NAME, OWNER, STAGE_NAME, AMOUNT,
# CREATED_DATE, IS_WON and IS_CLOSED map themselves. CLOSE_DATE is the expected
# close of an open opportunity and the close of a closed one: it feeds both.
# DEMO_SET_DATE (a custom date field) is when the deal entered demo; a bare
# date on the day of the timestamped CREATED_DATE is that day. --lenient drops
# a demo date set before the opportunity existed (and lists it) instead of
# refusing the file. The export's repeated row is skipped.
funnel import "$file" \
    --map external_id=OPPORTUNITY_ID --map currency=CURRENCY_ISO_CODE \
    --map lost_reason=LOST_REASON_C --map source=LEAD_SOURCE \
    --map expected_close=CLOSE_DATE --map closed_at=CLOSE_DATE \
    --stage-date demo=DEMO_SET_DATE \
    --stage-map "Prospecting=lead" --stage-map "Qualification=qualified" \
    --stage-map "Needs Analysis=contacted" --stage-map "Value Proposition=demo" \
    --stage-map "Id. Decision Makers=demo" --stage-map "Perception Analysis=demo" \
    --stage-map "Proposal/Price Quote=proposal" --stage-map "Negotiation/Review=negotiation" \
    --stage-map "Verbal Commitment=negotiation" \
    --stage-map "Closed Won=won" --stage-map "Closed Lost=lost" \
    --lenient
