"""Lists: reading CSV exports, phone numbers and regions, clustering contacts into call
lists, and the talk tracks that serve them."""
