"""The learned reader: sentence annotations (offsets, never text), features, training, and the model that tells
which sentences speak to which question and which answer each supports, with a probability."""
