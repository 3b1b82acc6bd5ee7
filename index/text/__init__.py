"""Text, as plain functions: sentences (``sentences``) and their roles (``sentence_roles``:
news, caption, note, promo), passages cut to the encoder's tokens (``chunking``,
``tokenization``), hashes (``hashing``), word diffs between versions (``passage_diff``) and the
name an outlet is shown by (``outlet_names``). No model is loaded here.
"""
