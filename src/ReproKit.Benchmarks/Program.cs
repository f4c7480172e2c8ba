using BenchmarkDotNet.Running;

// Run all: dotnet run -c Release --project src/ReproKit.Benchmarks -- --filter '*'
// Quick:   ... -- --filter '*Rand*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
