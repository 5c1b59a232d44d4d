"""ipywidgets explorers (imported lazily). One module per lesson topic, re-exported here."""
