use interleavings::models::*;
use interleavings::*;
fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let engines = [Engine::loom(), Engine::dfs(), Engine::random(1000), Engine::pct(1000, 3), Engine::std().runs(200).chaos(1)];
    for e in engines {
        if !which.is_empty() && e.name() != which { continue; }
        for g in [CounterGuard::None, CounterGuard::Mutex, CounterGuard::Atomic] {
            let r = Explorer::new(Counter::new(g)).engine(e.clone()).run();
            println!("{r}\n-----");
        }
        for m in [TicketSale::unguarded(3, 3), TicketSale::guarded(2, 2)] {
            let r = Explorer::new(m).engine(e.clone()).run();
            println!("{r}\n-----");
        }
    }
}
