"""Schedules: the daily refresh after US close and the FRED/EDGAR overnight updates."""

import dagster as dg

from orchestration.jobs import full_refresh

daily_refresh = dg.ScheduleDefinition(
    name="daily_refresh",
    job=full_refresh,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="Every day at 06:00 UTC: after the US close and the overnight FRED and EDGAR updates.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
