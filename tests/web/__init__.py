"""Tests of the web wing: the pages, their JSON, and the interface in two languages."""
