"""Suggested evidence: passages the archive proposes for each motive, learned from the
passages archivists have already coded, for a person to accept, reject or skip.

`candidates` finds the sentences of a record that could state a motive (uncoded, plain
text, where they lie in the file); `features` turns text into hashed TF-IDF vectors
(words as the index reads them, and for Hangul syllable pairs); `model` is a logistic
regression trained on them with numpy; `store` keeps every candidate's vector in
`index/suggestions/` (derived, rebuilt from the records); `decisions` keeps the rejected
suggestions in `testimonies/suggestions-rejected.yaml` (committed beside the records);
`suggester` ranks a motive's candidates for an audience and retrains after each batch of
decisions; `accepting` writes an accepted passage into its record as a coded span, one
commit, indexed; `evaluation` measures a ranking (precision at k, recall, average
precision, the passages a person reads to find most of them).
"""
