"""Figures and the HTML report: pure functions of a stored run, one house style."""
