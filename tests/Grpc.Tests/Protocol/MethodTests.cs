using Shop.Grpc.Tests.Infrastructure;
using Shop.Grpc.Tests.Interop;

namespace Shop.Grpc.Tests.Protocol;

public sealed class MethodTests
{
    [Fact]
    public void Path_is_the_full_service_name_and_method()
    {
        var method = new Method<EchoRequest, EchoResponse>(InteropService.Descriptor, "Echo");

        Assert.Equal("shop.interop.v1.InteropService", method.ServiceName);
        Assert.Equal("/shop.interop.v1.InteropService/Echo", method.FullName);
    }

    [Fact]
    public void Method_missing_from_the_descriptor_is_rejected_at_startup() =>
        Assert.Throws<InvalidOperationException>(() => new Method<EchoRequest, EchoResponse>(InteropService.Descriptor, "Nope"));

    [Fact]
    public void Message_types_other_than_the_descriptor_declares_are_rejected_at_startup() =>
        Assert.Throws<InvalidOperationException>(() => new Method<FailRequest, EchoResponse>(InteropService.Descriptor, "Echo"));
}
