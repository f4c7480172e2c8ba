using ReproKit.IO;

namespace ReproKit.Tests;

/// <summary>.NET conventions of the public API: exception constructors, spans without copies, cancellation.</summary>
public class ApiConventionTests
{
    [Test]
    public void ReproKitExceptionHasTheStandardConstructors()
    {
        Assert.That(new ReproKitException().Status, Is.EqualTo(ReproKitStatus.Internal));
        Assert.That(new ReproKitException("m").Message, Is.EqualTo("m"));
        var inner = new InvalidOperationException("cause");
        var e = new ReproKitException("m", inner);
        Assert.That((e.InnerException, e.NativeMessage, e.Status), Is.EqualTo((inner, "m", ReproKitStatus.Internal)));
        Assert.That(new ReproKitException(ReproKitStatus.Unsupported, "u").Status, Is.EqualTo(ReproKitStatus.Unsupported));
        Assert.That(typeof(ReproKitException).IsSealed, Is.True);
    }

    [Test]
    public void NpyArrayAsSpanIsTheDataItself()
    {
        var a = new NpyArray(NpyDType.Float32, [2], new byte[8]);
        Span<float> s = a.AsSpan<float>();
        s[1] = 1f;
        Assert.That(a.ToArray<float>(), Is.EqualTo(new[] { 0f, 1f }));
        Assert.That(BitConverter.ToSingle(a.Data, 4), Is.EqualTo(1f));
        Assert.Throws<InvalidDataException>(() => a.AsSpan<double>());
    }

    [Test]
    public void GoldenRunAllStopsWhenCancelled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => Golden.RunAll(cancellationToken: cancelled.Token));
    }
}
