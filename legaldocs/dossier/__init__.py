"""The write-off dossier (呆账核销申报材料): its facts and the variables of its documents."""
