using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Shop.AppHost;

/// <summary>
/// DCP serves its API (what the AppHost drives it through) over TLS. Aspire hands it the trusted .NET developer
/// certificate when there is one (`dotnet dev-certs https --trust`); otherwise DCP makes a new RSA key at every
/// start, 1 to 5 s of CPU on a 2-core machine (the search for primes varies run to run) before any resource can
/// start (README.md, "DCP's certificate"; load/README.md).
/// </summary>
internal static class DcpCertificate
{
    /// <summary>True when Aspire gives DCP the developer certificate, as its DcpHost decides (Aspire 13.6).</summary>
    public static bool FromDeveloperCertificate(IServiceProvider services)
    {
        // Aspire's switch for it; on by default.
        if (!services.GetRequiredService<IConfiguration>().GetValue("ASPIRE_DCP_USE_DEVELOPER_CERTIFICATE", true))
        {
            return false;
        }

#pragma warning disable ASPIRECERTIFICATES001 // the service Aspire's DcpHost reads: its trusted developer certificates
        return services.GetRequiredService<IDeveloperCertificateService>().Certificates.Any(c => c.HasPrivateKey);
#pragma warning restore ASPIRECERTIFICATES001
    }
}
