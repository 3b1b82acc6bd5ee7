"""The Gradio app mounted at ``/``: Chat, Search and Library tabs, and what they render."""
