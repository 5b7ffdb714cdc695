"""Calling: the call block's life, the queue, dialling, objections, outcomes, callbacks,
meetings and their invites, the offline journal and the block summary."""
