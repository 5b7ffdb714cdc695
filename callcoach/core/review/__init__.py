"""Review: report filters, funnels and breakdowns, goals, the quota planner and the
scorecard exports."""
