/// A self-signed certificate for `localhost` and 127.0.0.1, valid for a
/// century, and its key: for the test SMTP server's TLS, trusted by the
/// tests' clients. Test material only; it protects nothing.
public enum TestCertificates {
    public static let certificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIDJzCCAg+gAwIBAgIUK9RB2Y6i89Fw2QK0cwFHd172CP4wDQYJKoZIhvcNAQEL
        BQAwFDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNTE2MjIzOFoYDzIxMjYx
        MTAxMTYyMjM4WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwggEiMA0GCSqGSIb3DQEB
        AQUAA4IBDwAwggEKAoIBAQCquWSiQWe+ooIR3cuWxe31GIAi/CVmjwKkXNhdQ+S2
        j0xnPf9uEpSmRTjcpLBA56tgyilURYYlXhT3Lj/iuRl8K895lBg8St8n8EwDOSuN
        S4VR+H13TkbttNtWN50Qs3REzntOSeXo+1RKT8W5XWo0mrfQY/fx1kOcurqZ4HL/
        zfNBvi9X2uWikaCU+yDuKM2LzVvJTx+s8uGEzAo2TxFrquytkOXFDdTJ6oL+AkvA
        kWmcSbKBHvr1aiMIL4eTJu9zsSoWkPoaQZVTH4l3DCbswvCVqUiCrP/1OWiap1Yn
        I9ItMhK6wjGxgZkldSt9KB1Vvcfd8WBq9nh8KYmiHawxAgMBAAGjbzBtMB0GA1Ud
        DgQWBBRdAe2WtvYwlnN636PiliL2I7zI+jAfBgNVHSMEGDAWgBRdAe2WtvYwlnN6
        36PiliL2I7zI+jAPBgNVHRMBAf8EBTADAQH/MBoGA1UdEQQTMBGCCWxvY2FsaG9z
        dIcEfwAAATANBgkqhkiG9w0BAQsFAAOCAQEAHa18PO0Y+mJCtWZ4gc037UuHFeaG
        I1PEnSqgt1lxkZhhOuYqpTJGmMM5mFaM/FQ3DIOmlLGCtzN+FqmZ2R/1KoJKsu8F
        OdiYAAK24LqfHZ9IWYku7AJ95JY12bPjrPFrd9zjIjHJTLKC0dTudeZMl+yDJy15
        NN9kLmNvn3FVJK2wHIiUjhqqAXC3aS5+yaLr+tz6k7CX7Q8jBgpIKol6O0ca/0lx
        JKcX0ETH3uMAj/RpflZQfvO1DF6iJfAe65qcnqCSjM3kwk7KKFg+MjZ7ZmxP+E40
        Wteud88ruoVzJjojHFrcEVr43JgG0Aw+w2RWmOYVk2/0j7EZ002d8cdYKQ==
        -----END CERTIFICATE-----
        """

    public static let privateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQCquWSiQWe+ooIR
        3cuWxe31GIAi/CVmjwKkXNhdQ+S2j0xnPf9uEpSmRTjcpLBA56tgyilURYYlXhT3
        Lj/iuRl8K895lBg8St8n8EwDOSuNS4VR+H13TkbttNtWN50Qs3REzntOSeXo+1RK
        T8W5XWo0mrfQY/fx1kOcurqZ4HL/zfNBvi9X2uWikaCU+yDuKM2LzVvJTx+s8uGE
        zAo2TxFrquytkOXFDdTJ6oL+AkvAkWmcSbKBHvr1aiMIL4eTJu9zsSoWkPoaQZVT
        H4l3DCbswvCVqUiCrP/1OWiap1YnI9ItMhK6wjGxgZkldSt9KB1Vvcfd8WBq9nh8
        KYmiHawxAgMBAAECggEARNRVxCzGXM87zWQ0TmciFqx4DKLHmV+S2x0rhf53WTrQ
        vNb8Ai6vi5Fg6WPkQ2aja3RV0UnuWWZi4Xzd+NRTeAJZtVSFqNkuuvVgT/ReoKqP
        54pdWxpN8kv2Gf517mPLPmpYwCl+7b1WMFeVCbSluuudrACB2BhgTfHihWM+Oe7v
        OX9RYb5931CXr3CYBUA7/vAh14YqN/4ZGfGVF5CXfwaXiFifpsPygcLRkqUgiLmC
        EthG+zejA3C8/ZDE/28xpKI1m5Eh/O/3aiwucG2KQAkPhA75Xv68+IZ3FF5ysoRZ
        +4QKuli1922WCQ5CPiVFtfqxj2gEFVK1MJRQ5NnpeQKBgQDjPPncTy1SaCEmO2xa
        jtmVNLOkCdfRaxR/5l50nmzsmAQD9m7kSRHtuBbS6qjCc0fwpGVgoVUO4umR63U5
        WFWQ3mmcnCOdmIswm0FUSREVnR9reV4w3OQNJlo9nvYyPnSTMWneBhjptpOFYmJT
        Uq0D65r5nr+/VVmFS8yq4H9nywKBgQDAVTzTiYC4IB6ssWn2Wmx84zNdzK5/AqLI
        tVNz+yirMjIETN0PRJFBGge+NQp7n2PqXR4466RYrKK00pI/CRypP1cmQUFqtb4G
        Xc3O5dFrDcLM0R9D7RgbaWVOB45E8E8qhZi/T7BjyTX+TfiES4FcFNmynPeUDLEP
        I3s4iqykcwKBgQDS/KC6D8HzC8ALsYzvoEciJGbPXlxGk3fbMVhuS1Kzcon36+4W
        hEnjQNPgTgUXVtZq9xkx2VoSkllwJQEYl44LDpdc1BS1lRdXsC++RIFaYiL0NSJh
        mBcepoePQ3MwP5EZwf2cKmkjR2Q9qpXE67S9ORsRvnYm/uY5v6Fu3zcsdQKBgQCL
        P+tXGJG6PX8X9ydJtrQfQ3vYKK4ZxPXIrQerzCbos+HknSXbvQARi2AZxVs+n+r+
        LscH3QvTK8JteptpyhYXL4XQa6SKNuVKxLWSW2/gu0jTc4DYdBtlFUzETtIhdX9L
        wQgTUwXZaT+PTDJmziftXCc1m1HgvcOfu0emaziNowKBgQCucZZRFyJRSprpjvSy
        MMS1+FiVUaT3AHQWkYTHwB4vIMJKj9+nnNkslehLeGQE3PJHQjxcHdxxy2V74y0n
        Jd8oM5p3zMBanG4yd8srd2UA8WwUxveASX2gzkwegYFpj7scdaei3xrvw1FBeWNQ
        dp6vXWRiJoAZ94tEEInm48XaMQ==
        -----END PRIVATE KEY-----
        """
}
