"""What the engines read in questions and sentences, as plain functions over text: the type of
answer a question expects (``answer_types``) and the spans that fit it (``answer_spans``), the
features a sentence is scored by (``sentence_features``), a question's parts
(``question_parts``), follow-ups (``followup``), whose claim a sentence reports
(``attribution``), what relative dates mean (``relative_dates``) and the notes shown beside a
quote (``quote_notes``). No model is loaded here.
"""
