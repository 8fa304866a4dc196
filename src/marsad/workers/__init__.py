"""Workers on many hosts: leases on running tasks, heartbeats, the reaper of expired leases."""
