DROP TABLE invitation_text;
DROP TABLE client_invitations;
