fn main() {
    for p in std::env::args().skip(1) {
        match pcapdoc::capture::CaptureReader::open(std::path::Path::new(&p)) {
            Ok(mut r) => {
                while r.next_record().is_some() {}
                let i = r.into_info();
                println!("{} {} {:?}", i.packets, p, i.issues.iter().map(|x| x.to_string()).collect::<Vec<_>>());
            }
            Err(e) => println!("ERR {p}: {e}"),
        }
    }
}
