"""Privacy: everything Lojal holds about a member, exported on request, and erased when the customer
is deleted (personal data goes; the amounts stay for the books). It spans members, orders and
redemptions, so it sits above them."""
